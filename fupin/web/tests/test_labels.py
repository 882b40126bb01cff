"""Labels in three languages (issue 25): every code of every code list, every choice of every model, every row of
the tables that name things (programmes, measure types, procedures and their steps, designation types, complaint
categories, quality and warning rules, questionnaires, roles) and every named entry of the apps' data files has a
Simplified Chinese, a Traditional Chinese and an English label — the English one written out (no Chinese in it),
the Traditional one in Traditional script wherever OpenCC's s2t changes the text (OpenCC, a dependency, is the
oracle), and the same text as the Simplified one once converted back."""

import csv
import json
import re
from pathlib import Path

import opencc
import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation

from fupin.core.codelists import localized

from .crawl import code_lists

LANGUAGES = ("zh-hans", "zh-hant", "en")
CJK = re.compile(r"[\u3400-\u9fff]")
GLOSS = re.compile(r"\s*\([^()]*\)")  # "announcement (公告)": an English label may gloss the Chinese term
S2T, S2TW, T2S = opencc.OpenCC("s2t"), opencc.OpenCC("s2tw"), opencc.OpenCC("t2s")
APP_DIRS = [Path(config.path) for config in apps.get_app_configs() if config.name.startswith("fupin.")]


def _problems(what: str, hans: str, hant: str, en: str) -> list[str]:
    """What is wrong with one thing's three labels (empty when nothing)."""
    found = []
    if not (hans and hant and en):
        found.append(f"{what}: a label is empty ({hans!r}, {hant!r}, {en!r})")
        return found
    if CJK.search(GLOSS.sub("", en)) or not re.search(r"[A-Za-z]", en):
        found.append(f"{what}: the English label {en!r} holds Chinese")
    if not CJK.search(hans):
        found.append(f"{what}: the Chinese label {hans!r} is not Chinese")
    if S2T.convert(hans) != hans and S2TW.convert(hans) != hans and hant == hans:
        found.append(f"{what}: the Traditional label {hant!r} is the Simplified one")
    if T2S.convert(hant) != T2S.convert(hans):
        found.append(f"{what}: the Traditional label {hant!r} is not the text of {hans!r}")
    return found


def _in_each_language(label) -> tuple[str, str, str]:
    """The label a page shows in each language: `label()` called with that language in force."""
    found = []
    for language in LANGUAGES:
        with translation.override(language):
            found.append(str(label()))
    return tuple(found)


def test_the_check_finds_a_missing_or_untranslated_label():
    # Hand-made cases: 贫困县 → 貧困縣 in s2t, so a Traditional label equal to the Simplified one is wrong.
    assert _problems("t", "贫困县", "貧困縣", "poor county") == []
    assert _problems("t", "贫困县", "贫困县", "poor county") == [
        "t: the Traditional label '贫困县' is the Simplified one"]
    assert _problems("t", "因病", "因病", "illness") == []  # s2t leaves 因病 as it is
    assert _problems("t", "贫困县", "貧困縣", "贫困县") == ["t: the English label '贫困县' holds Chinese"]
    assert _problems("t", "公告", "公告", "announcement (公告)") == []  # a gloss of the Chinese term
    assert _problems("t", "不愁吃", "不愁吃", "food") == []  # s2t writes 喫, Taiwan's standard (s2tw) keeps 吃
    assert _problems("t", "贫困县", "貧困縣", "") == ["t: a label is empty ('贫困县', '貧困縣', '')"]
    assert _problems("t", "贫困县", "貧困村", "poor county") == [
        "t: the Traditional label '貧困村' is not the text of '贫困县'"]


def test_every_code_of_every_code_list_has_three_labels():
    lists = code_lists()
    assert len(lists) >= 60  # 63 when written: each app's codelists, and 比对数据来源 and 自然灾害类型 in models
    problems = [problem for code_list in lists for item in code_list.codes
                for problem in _problems(f"{code_list.name} {item.code}", *_in_each_language(item.label))]
    assert problems == []


def _choice_msgids() -> dict[str, str]:
    """The msgid of every translatable choice label of the models → where it is used."""
    found = {}
    for model in apps.get_models():
        if not model.__module__.startswith("fupin."):
            continue
        for model_field in model._meta.get_fields():
            for value, label in getattr(model_field, "flatchoices", None) or ():
                args = getattr(label, "_args", None)  # a lazy gettext keeps its msgid
                if args and isinstance(args[0], str):
                    found.setdefault(args[0], f"{model._meta.label}.{model_field.name}={value}")
    return found


def test_every_choice_of_every_model_is_translated_in_both_chinese_catalogues():
    """Read from the .po files themselves (compiled catalogues may be older than the sources)."""
    catalogues = {language: {entry.msgid: entry for entry in polib.pofile(
        str(Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"))}
        for language in ("zh_Hans", "zh_Hant")}
    msgids = _choice_msgids()
    assert len(msgids) >= 90  # 95 when written
    problems = []
    for msgid, where in msgids.items():
        hans, hant = (catalogues[language].get(msgid) for language in ("zh_Hans", "zh_Hant"))
        untranslated = [entry for entry in (hans, hant) if entry is None or not entry.msgstr or entry.fuzzy]
        if untranslated:
            problems.append(f"{where}: {msgid!r} is not translated")
            continue
        problems += _problems(where, hans.msgstr, hant.msgstr, msgid)
    assert problems == []


def _rows(model_label: str):
    return list(apps.get_model(model_label).objects.all())


@pytest.mark.django_db
def test_every_row_of_the_tables_that_name_things_has_three_labels():
    """The tables the migrations fill (programmes, the measure catalogue, procedures, designation types, complaint
    categories, quality and warning rules, questionnaires, roles), each read through what its pages call."""
    tables = {
        "cooperation.Programme": lambda row: row.label,
        "assistance.MeasureType": lambda row: row.label,
        "workflows.Procedure": lambda row: lambda: localized(row.name_zh, row.name_en),
        "workflows.ProcedureStep": lambda row: lambda: localized(row.name_zh, row.name_en),
        "areas.DesignationType": lambda row: row.label,
        "grievances.Category": lambda row: lambda: row.label,
        "quality.QualityRule": lambda row: lambda: row.title,
        "monitoring.WarningRule": lambda row: lambda: row.title,
        "evaluation.Questionnaire": lambda row: lambda: row.title,
        "accounts.Role": lambda row: lambda: str(row),
    }
    problems, counted = [], {}
    for model_label, label_of in tables.items():
        rows = _rows(model_label)
        counted[model_label] = len(rows)
        problems += [problem for row in rows
                     for problem in _problems(f"{model_label} {row.pk}", *_in_each_language(label_of(row)))]
    assert all(counted.values()), counted  # every table is filled by its migration
    assert problems == []


# Pairs of keys in the data files that hold one text in Chinese and in English.
PAIRS = (("zh", "en"), ("name_zh", "name_en"), ("title_zh", "title_en"), ("text_zh", "text_en"),
         ("label_zh", "label_en"), ("unit_zh", "unit_en"))


def _named_entries(value, where: str):
    """(where, zh, en) for each dict of a JSON document that holds one of the pairs."""
    if isinstance(value, dict):
        for zh_key, en_key in PAIRS:
            if zh_key in value or en_key in value:
                yield f"{where}.{value.get('code') or value.get('id') or zh_key}", value.get(zh_key), value.get(en_key)
        for key, item in value.items():
            yield from _named_entries(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _named_entries(item, f"{where}[{index}]")


def test_every_named_entry_of_the_data_files_has_three_labels():
    problems, files = [], 0
    for app_dir in APP_DIRS:
        for path in sorted((app_dir / "data").glob("*.json")):
            files += 1
            for where, zh, en in _named_entries(json.loads(path.read_text(encoding="utf-8")), path.name):
                if not zh and not en:
                    continue  # a unit left out on purpose (a type whose scale has no unit)
                problems += _problems(where, zh or "", localized(zh or "", en or "", "zh-hant"), en or "")
        for path in sorted((app_dir / "data").glob("*.csv")):
            with path.open(encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    if {"name_zh_hans", "name_zh_hant", "name_en"} <= set(row):
                        files += 1
                        problems += _problems(f"{path.name} {row.get('code')}", row["name_zh_hans"],
                                              row["name_zh_hant"], row["name_en"])
    assert files >= 12
    assert problems == []
