"""Every user-visible string is translated in zh-Hans, zh-Hant and English."""

import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from fupin.core.management.commands.translations import LOCALES, catalogue_path, missing_entries

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("locale", LOCALES)
def test_no_catalogue_has_an_untranslated_or_fuzzy_message(locale):
    assert missing_entries(polib.pofile(str(catalogue_path(locale)))) == []


def test_catalogues_cover_every_message_in_the_source(tmp_path, monkeypatch):
    """Extract the messages afresh (in a copy, so the real catalogues are untouched) and compare."""
    for folder in ("fupin", "config"):
        shutil.copytree(ROOT / folder, tmp_path / folder,
                        ignore=shutil.ignore_patterns("tests", "testing", "__pycache__", "static"))
    (tmp_path / "locale").mkdir()
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("makemessages", locale=["zh_Hans"], no_location=True, verbosity=0)
    extracted = {entry.msgid for entry in polib.pofile(str(tmp_path / "locale/zh_Hans/LC_MESSAGES/django.po"))}
    for locale in LOCALES:
        catalogued = {entry.msgid for entry in polib.pofile(str(catalogue_path(locale))) if not entry.obsolete}
        assert extracted - catalogued == set(), f"{locale} lacks these; run makemessages and translate"


def test_the_compiled_catalogues_are_used():
    for language, expected in (("zh-hans", "行政区划"), ("zh-hant", "行政區劃"), ("en", "Administrative areas")):
        with translation.override(language):
            assert translation.gettext("Administrative areas") == expected
