"""Keeping the three catalogues complete.

`fupin translations sync` fills what is empty after `makemessages`: zh_Hant from zh_Hans through OpenCC
(s2tw: Taiwan-standard characters, no vocabulary substitution, which suits official terms), and en with the
English source text. zh_Hans is translated by hand. `fupin translations check` lists what is still missing.
"""

from django.conf import settings
from django.core.management.base import CommandError

from fupin.core.cli import FupinCommand

LOCALES = ("zh_Hans", "zh_Hant", "en")


def catalogue_path(locale: str):
    return settings.LOCALE_PATHS[0] / locale / "LC_MESSAGES" / "django.po"


def missing_entries(po) -> list[str]:
    """msgids that are untranslated, fuzzy, or whose plural forms are not all filled."""
    missing = []
    for entry in po:
        if entry.obsolete:
            continue
        if entry.fuzzy:
            missing.append(entry.msgid)
        elif entry.msgid_plural:
            if not entry.msgstr_plural or not all(entry.msgstr_plural.values()):
                missing.append(entry.msgid)
        elif not entry.msgstr:
            missing.append(entry.msgid)
    return missing


class Command(FupinCommand):
    help = "Fill zh_Hant (OpenCC) and en from the sources and zh_Hans; check that nothing is untranslated."
    has_subcommands = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        self.add_subcommand("sync", "Fill empty zh_Hant entries from zh_Hans and empty en entries from msgid.")
        self.add_subcommand("check", "Fail if any catalogue has an untranslated or fuzzy message.")

    def handle_sync(self, **options):
        import opencc
        import polib

        convert = opencc.OpenCC("s2tw").convert
        hans = {entry.msgid: entry for entry in polib.pofile(str(catalogue_path("zh_Hans")))}
        for locale in ("zh_Hant", "en"):
            path = catalogue_path(locale)
            po = polib.pofile(str(path))
            for entry in po:
                if entry.obsolete or (entry.msgstr and not entry.fuzzy):
                    continue
                source = hans.get(entry.msgid)
                if locale == "en":
                    entry.msgstr = entry.msgid if not entry.msgid_plural else ""
                    if entry.msgid_plural:
                        entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
                elif source is not None and (source.msgstr or source.msgstr_plural):
                    entry.msgstr = convert(source.msgstr)
                    if entry.msgid_plural:
                        entry.msgstr_plural = {k: convert(v) for k, v in source.msgstr_plural.items()}
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
            po.save(str(path))
        self.handle_check(**options)

    def handle_check(self, **options):
        import polib

        report = {locale: missing_entries(polib.pofile(str(catalogue_path(locale)))) for locale in LOCALES}
        self.emit([{"locale": k, "missing": len(v), "first": v[:3]} for k, v in report.items()])
        if any(report.values()):
            raise CommandError("untranslated messages remain")
