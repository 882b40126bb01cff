"""The 12-digit statistical division code (统计用区划代码) is itself a materialised path.

Segments are 2-2-2-3-3 digits (province, prefecture, county, township, village); an area's descendants are exactly
the codes that start with its significant prefix, so a subtree is one index range scan on the code:
no recursive queries, no extra path column to keep in step (see docs/adr/0002-area-code-as-path.md).
"""

import unicodedata

CODE_LENGTH = 12


class Level:
    PROVINCE = 1
    PREFECTURE = 2
    COUNTY = 3
    TOWNSHIP = 4
    VILLAGE = 5


# How many leading digits identify an area of each level.
PREFIX_LENGTH = {Level.PROVINCE: 2, Level.PREFECTURE: 4, Level.COUNTY: 6, Level.TOWNSHIP: 9, Level.VILLAGE: 12}


def normalise_code(raw: str) -> str:
    """A code as users type it (2, 4, 6, 9 or 12 digits, full-width digits too) padded to 12 digits; ValueError if
    it is not one."""
    code = unicodedata.normalize("NFKC", str(raw)).strip()
    if code.endswith(".0"):  # spreadsheets hand numeric cells over as floats
        code = code[:-2]
    if not (code.isascii() and code.isdigit()) or len(code) not in set(PREFIX_LENGTH.values()):
        raise ValueError(code)
    return code.ljust(CODE_LENGTH, "0")


def level_of(code: str) -> int:
    """The level a padded code denotes, read from where its trailing zeros start."""
    for level in (Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY, Level.PREFECTURE):
        length = PREFIX_LENGTH[level]
        previous = PREFIX_LENGTH[level - 1]
        if code[previous:length].strip("0"):
            return level
    return Level.PROVINCE


def prefix_of(code: str, level: int) -> str:
    return code[: PREFIX_LENGTH[level]]


def code_range(prefix: str) -> tuple[str, str]:
    """Inclusive bounds of every 12-digit code under a prefix."""
    return prefix.ljust(CODE_LENGTH, "0"), prefix.ljust(CODE_LENGTH, "9")


def ancestor_codes(code: str, level: int) -> list[str]:
    """Codes of the ancestors from the province down, without the area itself.

    Prefecture-level cities without counties (东莞 4419, 中山 4420 …) have townships directly under them: their
    county prefix pads to the prefecture's own code, which is dropped as a duplicate.
    """
    result: list[str] = []
    for ancestor_level in range(Level.PROVINCE, level):
        padded = prefix_of(code, ancestor_level).ljust(CODE_LENGTH, "0")
        if padded != code and padded not in result:
            result.append(padded)
    return result
