"""Search keys of a person's name: the simplified-script form (OpenCC), full pinyin and initials (pypinyin),
with a correction table for surnames that pypinyin reads with their common pronunciation (单 → shan …)."""

import csv
from functools import cache, lru_cache
from pathlib import Path

from fupin.core.codelists import to_simplified

CORRECTIONS = Path(__file__).parent / "data" / "pinyin_corrections.csv"


@cache
def _surname_corrections() -> list[tuple[str, str]]:
    """(surname, pinyin), longest surnames first so that a compound surname wins over its first character."""
    with open(CORRECTIONS, encoding="utf-8", newline="") as handle:
        found = {row["character"]: row["pinyin"] for row in csv.DictReader(handle) if row["position"] == "surname"}
    return sorted(found.items(), key=lambda item: len(item[0]), reverse=True)


@lru_cache(maxsize=20000)
def _character_syllable(character: str) -> str:
    from pypinyin import Style, lazy_pinyin

    found = lazy_pinyin(character, style=Style.NORMAL, errors="ignore")
    return found[0].lower() if found else ""


def _syllables(text: str) -> list[str]:
    # Character by character (cached): names are not phrases, and registering a million people must not
    # spend its time in phrase segmentation. Surnames read differently are in the correction table.
    return [syllable for syllable in map(_character_syllable, text) if syllable]


@lru_cache(maxsize=200000)
def name_keys(name: str) -> tuple[str, str, str]:
    """(simplified name, full pinyin, initials), all without spaces; e.g. 單小紅 → (单小红, shanxiaohong, sxh).
    Cached: names repeat across a registry of millions."""
    simplified = to_simplified("".join(name.split()))
    surname, reading = next(((surname, pinyin) for surname, pinyin in _surname_corrections()
                             if simplified.startswith(surname)), ("", ""))
    syllables = reading.split() + _syllables(simplified[len(surname):])
    return simplified, "".join(syllables), "".join(s[0] for s in syllables)
