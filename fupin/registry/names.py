"""Search keys of a person's name: the simplified-script form (OpenCC), full pinyin and initials (pypinyin),
with a correction table for surnames that pypinyin reads with their common pronunciation (单 → shan …)."""

import csv
from functools import cache, lru_cache
from pathlib import Path

from fupin.core.codelists import to_simplified

CORRECTIONS = Path(__file__).parent / "data" / "pinyin_corrections.csv"


@cache
def _surname_corrections() -> dict[str, str]:
    with open(CORRECTIONS, encoding="utf-8", newline="") as handle:
        return {row["character"]: row["pinyin"] for row in csv.DictReader(handle) if row["position"] == "surname"}


@lru_cache(maxsize=20000)
def _character_syllable(character: str) -> str:
    from pypinyin import Style, lazy_pinyin

    found = lazy_pinyin(character, style=Style.NORMAL, errors="ignore")
    return found[0].lower() if found else ""


def _syllables(text: str) -> list[str]:
    # Character by character (cached): names are not phrases, and registering a million people must not
    # spend its time in phrase segmentation. Surnames read differently are in the correction table.
    return [syllable for syllable in map(_character_syllable, text) if syllable]


def name_keys(name: str) -> tuple[str, str, str]:
    """(simplified name, full pinyin, initials), all without spaces; e.g. 單小紅 → (单小红, shanxiaohong, sxh)."""
    simplified = to_simplified("".join(name.split()))
    corrections = _surname_corrections()
    surname = next((s for s in sorted(corrections, key=len, reverse=True) if simplified.startswith(s)), None)
    if surname:
        syllables = corrections[surname].split() + _syllables(simplified[len(surname):])
    else:
        syllables = _syllables(simplified)
    return simplified, "".join(syllables), "".join(s[0] for s in syllables)
