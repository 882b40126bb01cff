"""Registry validation. Hard rules refuse a record (format, identity, structure); consistency rules only warn,
because real county data is messy and must get in — they become data-quality findings later.

Every check returns `Problem`s with a field, a translatable message and, for members, the member's position in
the submission, so forms show them in place and imports map them to rows and columns.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from fupin.core import temporal
from fupin.core.codelists import ETHNICITY, CodeList
from fupin.core.errors import ValidationFailed
from fupin.core.idnumbers import IdNumberError, normalise_identity, parse_disability_certificate, parse_id_number

from . import codelists as cl

HARD = "hard"
WARNING = "warning"


@dataclass
class Problem:
    field: str
    message: object
    params: dict = field(default_factory=dict)
    member: int | None = None  # position of the member in the submission (0-based)
    severity: str = HARD
    rule: str = ""

    def text(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)

    def as_dict(self) -> dict:
        return {"field": self.field, "member": self.member, "severity": self.severity, "rule": self.rule,
                "message": self.text()}


class RegistryInvalid(ValidationFailed):
    """Raised with every hard problem of a submission, not just the first."""

    default_message = _("The record has errors; nothing was saved.")

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        first = problems[0] if problems else None
        super().__init__(self.default_message, field=first.field if first else None)


# Fields --------------------------------------------------------------------------------------------------------
MEMBER_CODES: dict[str, CodeList] = {
    "sex": cl.SEX, "relation": cl.RELATION, "ethnicity": ETHNICITY, "education": cl.EDUCATION,
    "school_status": cl.SCHOOL_STATUS, "health": cl.HEALTH, "labour": cl.LABOUR, "work_location": cl.WORK_LOCATION,
    "id_kind": cl.ID_KIND,
}
MEMBER_REQUIRED = ("name", "relation")
MEMBER_BOOLEANS = ("in_basic_medical", "in_critical_illness", "in_pension", "in_employee_pension", "on_dibao",
                   "on_tekun", "active_soldier")
HOUSEHOLD_CODES: dict[str, CodeList] = {
    "id_standard": cl.ID_STANDARD, "attribute": cl.HOUSEHOLD_ATTRIBUTE, "main_cause": cl.CAUSE,
    "status": cl.STATUS, "monitoring_category": cl.MONITORING_CATEGORY, "risk_status": cl.RISK_STATUS,
}
HOUSEHOLD_REQUIRED = ("number", "attribute", "main_cause", "identified_year")
YEAR_CODES: dict[str, CodeList] = {
    "road_type": cl.ROAD_TYPE, "housing_grade": cl.HOUSING_GRADE, "fuel": cl.FUEL, "status": cl.STATUS,
    "monitoring_category": cl.MONITORING_CATEGORY,
}
INCOME_COMPONENTS = ("wage_income", "business_income", "property_income", "transfer_income")
TRANSFER_ITEMS = ("family_planning_subsidy", "dibao_payment", "tekun_payment", "pension_payment",
                  "eco_compensation", "other_transfer")
NON_NEGATIVE_MONEY = (*INCOME_COMPONENTS, *TRANSFER_ITEMS, "public_welfare_wage", "asset_dividend",
                      "business_expense", "compliant_out_of_pocket")
# What net income is computed from: the year's ledger is entered when any of these is (None: not entered).
LEDGER_ITEMS = (*INCOME_COMPONENTS, *TRANSFER_ITEMS, "business_expense")
YEAR_DECIMALS = ("cultivated_land", "irrigated_land", "forest_land", "returned_farmland", "orchard_land",
                 "pasture_land", "water_area", "road_distance_km", "housing_area")
YEAR_BOOLEANS = ("in_cooperative", "production_power", "living_power", "broadcast_tv", "drinking_water_difficult",
                 "sanitary_toilet", "food_secure", "clothing_secure", "education_secure", "medical_secure",
                 "housing_secure", "water_secure")
# The 两不愁三保障 + water indicators of a year's record, in their order (the exit rules judge them).
INDICATORS = {
    "food_secure": _("no worry about food"),
    "clothing_secure": _("no worry about clothing"),
    "education_secure": _("compulsory education assured"),
    "medical_secure": _("basic medical care assured"),
    "housing_secure": _("safe housing assured"),
    "water_secure": _("safe drinking water assured"),
}
HOUSEHOLD_YEARS = ("identified_year", "planned_exit_year", "exit_year", "return_year", "relocation_year")
HOUSEHOLD_BOOLEANS = ("is_relocated", "is_martyr_family", "is_one_child", "is_two_daughters")
HOUSEHOLD_TEXTS = ("phone", "bank_name", "bank_account")
HOUSEHOLD_IDENTITIES = ("phone", "bank_account")  # numbers: full-width digits and spaces normalised
# What each field is when not given, in the order the cleaned dicts have always had their keys.
MEMBER_BLANK = {**dict.fromkeys(MEMBER_CODES, ""), **dict.fromkeys(MEMBER_BOOLEANS), "work_months": None,
                "birth_date": None, "joined_on": None}
HOUSEHOLD_BLANK = {**dict.fromkeys(HOUSEHOLD_CODES, ""), **dict.fromkeys(HOUSEHOLD_YEARS),
                   **dict.fromkeys(HOUSEHOLD_BOOLEANS, False), **dict.fromkeys(HOUSEHOLD_TEXTS, ""),
                   "monitoring_since": None}
YEAR_BLANK = {**dict.fromkeys((*NON_NEGATIVE_MONEY, *YEAR_DECIMALS, *YEAR_BOOLEANS)),
              **dict.fromkeys(YEAR_CODES, ""), "size_start": None, "size_end": None,
              "net_income_per_capita_given": None}
TRUE_WORDS = {"是", "有", "1", "true", "yes", "y", "√", "✓"}
FALSE_WORDS = {"否", "无", "沒有", "没有", "0", "false", "no", "n", "×"}
CENT = Decimal("0.01")


def fen(amount: Decimal) -> Decimal:
    """Round to the fen, half up (四舍五入), as household ledgers are kept."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _given(data: dict, names) -> list[str]:
    """The names whose value is not None or an empty string: only these need cleaning (an import's rows and a
    form's data leave most fields empty, and cleaning is the registry's hottest loop)."""
    return [name for name in names if (value := data.get(name)) is not None and value != ""]


def clean_code(problems, data: dict, name: str, codes: CodeList, *, member=None) -> str:
    value = data.get(name)
    if type(value) is str and (code := codes.exact.get(value)) is not None:  # most values: one lookup
        return code
    if _blank(value):
        return ""
    code = codes.lookup(value)  # a label in another script, with spaces, in English …
    if code is None:
        problems.append(Problem(name, _("“%(value)s” is not a value of %(list)s."),
                                {"value": value, "list": codes.name}, member))
        return ""
    return code


def clean_bool(problems, data: dict, name: str, *, member=None) -> bool | None:
    value = data.get(name)
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower()
    if text == "":
        return None
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    problems.append(Problem(name, _("“%(value)s” is not yes/no (是/否)."), {"value": value}, member))
    return None


def clean_decimal(problems, data: dict, name: str, *, member=None, non_negative=False) -> Decimal | None:
    value = data.get(name)
    if _blank(value):
        return None
    try:
        # Numbers from a typed source (a spreadsheet's numeric cell, a service call) skip the text clean-up.
        number = fen(value if isinstance(value, Decimal) else Decimal(value) if isinstance(value, int)
                     else Decimal(str(value).replace(",", "").strip()))
        if not number.is_finite():  # NaN and Infinity are not amounts (and NaN would fail every comparison)
            raise InvalidOperation
    except InvalidOperation:
        problems.append(Problem(name, _("“%(value)s” is not a number."), {"value": value}, member))
        return None
    if non_negative and number < 0:
        problems.append(Problem(name, _("This amount cannot be negative."), {}, member))
        return None
    return number


def clean_int(problems, data: dict, name: str, *, low: int, high: int, member=None) -> int | None:
    value = data.get(name)
    if _blank(value):
        return None
    try:
        number = Decimal(str(value).strip())
        if not number.is_finite() or number != number.to_integral_value():
            raise InvalidOperation
    except InvalidOperation:
        problems.append(Problem(name, _("“%(value)s” is not a whole number."), {"value": value}, member))
        return None
    # Bounded before int(): "1e999999999" would otherwise build a billion-digit integer.
    if not low <= number <= high:
        problems.append(Problem(name, _("%(value)s is outside %(low)s–%(high)s."),
                                {"value": str(value).strip(), "low": low, "high": high}, member))
        return None
    return int(number)


def clean_date(problems, data: dict, name: str, *, member=None) -> datetime.date | None:
    value = data.get(name)
    if _blank(value) or isinstance(value, datetime.date):
        return value or None
    text = str(value).strip().replace("/", "-").replace(".", "-")
    for pattern in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.datetime.strptime(text[:10], pattern).date()
        except ValueError:
            continue
    problems.append(Problem(name, _("“%(value)s” is not a date (YYYY-MM-DD)."), {"value": value}, member))
    return None


# Members -------------------------------------------------------------------------------------------------------
MEMBER_DATE_LABELS = {"birth_date": _("Birth date"), "joined_on": _("Date joined")}


def clean_member(data: dict, *, position: int | None = None, today: datetime.date | None = None):
    """(cleaned fields, hard problems) for one member."""
    problems: list[Problem] = []
    cleaned: dict = {"name": str(data.get("name") or "").strip()}
    for name in MEMBER_REQUIRED:
        if _blank(data.get(name)):
            problems.append(Problem(name, _("A value is required."), {}, position))
    cleaned |= MEMBER_BLANK
    for name in _given(data, MEMBER_CODES):
        cleaned[name] = clean_code(problems, data, name, MEMBER_CODES[name], member=position)
    for name in _given(data, MEMBER_BOOLEANS):
        cleaned[name] = clean_bool(problems, data, name, member=position)
    cleaned["active_soldier"] = bool(cleaned["active_soldier"])
    if _given(data, ("work_months",)):
        cleaned["work_months"] = clean_int(problems, data, "work_months", low=0, high=12, member=position)
    for name in _given(data, ("birth_date", "joined_on")):
        cleaned[name] = clean_date(problems, data, name, member=position)
        try:  # a birth or a joining is a fact: never later than today
            temporal.fact_date(cleaned[name], field=name, label=MEMBER_DATE_LABELS[name], default_today=False)
        except ValidationFailed as refusal:
            problems.append(Problem(name, refusal.message, refusal.params, position))
            cleaned[name] = None
    cleaned["id_number"], cleaned["disability_certificate"] = None, ""
    raw_id = normalise_identity(str(data.get("id_number") or ""))
    if raw_id:
        try:
            if len(raw_id) in (20, 22) or cleaned["id_kind"] == "2":
                holder, _category, _grade = parse_disability_certificate(raw_id, today=today)
                cleaned["id_kind"], cleaned["disability_certificate"] = "2", raw_id.upper()
            else:
                holder = parse_id_number(raw_id, today=today)
                cleaned["id_kind"] = "1"
        except IdNumberError as exc:
            problems.append(Problem("id_number", exc.message, exc.params, position))
        else:
            cleaned["id_number"] = holder.number
            implied_sex = "1" if holder.male else "2"
            if cleaned["sex"] and cleaned["sex"] != "9" and cleaned["sex"] != implied_sex:
                problems.append(Problem("sex", _("The sex does not match the ID number (odd 17th digit: male)."),
                                        {}, position))
            cleaned["sex"] = cleaned["sex"] or implied_sex
            if cleaned["birth_date"] and cleaned["birth_date"] != holder.birth_date:
                problems.append(Problem("birth_date", _("The birth date does not match the ID number."), {},
                                        position))
            cleaned["birth_date"] = holder.birth_date
    cleaned["id_kind"] = cleaned["id_kind"] or "1"
    if not cleaned["sex"] and not raw_id:  # with an ID the sex is derived (or its error already reported)
        problems.append(Problem("sex", _("A value is required."), {}, position))
    return cleaned, problems


def check_structure(members: list[dict], size: int | None) -> list[Problem]:
    """Exactly one head; no ID number twice; the stated household size equals the members."""
    problems: list[Problem] = []
    heads = [i for i, m in enumerate(members) if m.get("relation") == cl.HEAD]
    if len(heads) != 1:
        problems.append(Problem("relation", _("A household has exactly one head; this one has %(count)s."),
                                {"count": len(heads)}, heads[1] if len(heads) > 1 else None))
    seen: dict[str, int] = {}
    for index, member in enumerate(members):
        number = member.get("id_number")
        if number and number in seen:
            problems.append(Problem("id_number", _("The same ID number is given for member %(other)s."),
                                    {"other": seen[number] + 1}, index))
        elif number:
            seen[number] = index
    if size is not None and size != len(members):
        problems.append(Problem("size_end", _("The household size is %(size)s but %(count)s members are listed."),
                                {"size": size, "count": len(members)}))
    return problems


# Household and year ------------------------------------------------------------------------------------------
def clean_household(data: dict, *, causes_extras_allowed: bool = True):
    problems: list[Problem] = []
    cleaned = {"number": normalise_identity(str(data.get("number") or ""))}
    for name in HOUSEHOLD_REQUIRED:
        if _blank(data.get(name)):
            problems.append(Problem(name, _("A value is required."), {}))
    cleaned |= HOUSEHOLD_BLANK
    for name in _given(data, HOUSEHOLD_CODES):
        cleaned[name] = clean_code(problems, data, name, HOUSEHOLD_CODES[name])
    cleaned["status"] = cleaned["status"] or "0"
    cleaned["id_standard"] = cleaned["id_standard"] or "1"
    for name in _given(data, HOUSEHOLD_YEARS):
        cleaned[name] = clean_int(problems, data, name, low=2000, high=2100)
    for name in _given(data, HOUSEHOLD_BOOLEANS):
        cleaned[name] = bool(clean_bool(problems, data, name))
    for name in _given(data, HOUSEHOLD_TEXTS):
        text = str(data.get(name) or "")
        cleaned[name] = normalise_identity(text) if name in HOUSEHOLD_IDENTITIES else text.strip()
    if _given(data, ("monitoring_since",)):
        cleaned["monitoring_since"] = clean_date(problems, data, "monitoring_since")
    others = data.get("other_causes") or []
    if isinstance(others, str):
        others = [part for part in others.replace("，", ",").replace("、", ",").split(",") if part.strip()]
    codes = []
    for value in others:
        code = value if value in cl.CAUSE.values else cl.CAUSE.lookup(value)
        if code is None:
            problems.append(Problem("other_causes", _("“%(value)s” is not a value of %(list)s."),
                                    {"value": value, "list": cl.CAUSE.name}))
        elif code not in codes:
            codes.append(code)
    if len(codes) > 2:
        problems.append(Problem("other_causes", _("At most two other causes may be given.")))
    cleaned["other_causes"] = codes[:2]
    if not causes_extras_allowed:
        for code in {cleaned["main_cause"], *codes} & cl.EXTRA_CAUSES:
            problems.append(Problem("main_cause" if code == cleaned["main_cause"] else "other_causes",
                                    _("“%(value)s” is not used as a cause in this province."),
                                    {"value": cl.CAUSE.label(code)}))
    if cleaned["phone"] and not cleaned["phone"].replace("-", "").replace(" ", "").isdigit():
        problems.append(Problem("phone", _("A phone number has digits only.")))
    return cleaned, problems


def clean_year(data: dict):
    problems: list[Problem] = []
    cleaned: dict = dict(YEAR_BLANK)
    for name in _given(data, (*NON_NEGATIVE_MONEY, *YEAR_DECIMALS)):
        cleaned[name] = clean_decimal(problems, data, name, non_negative=True)
    for name in _given(data, YEAR_BOOLEANS):
        cleaned[name] = clean_bool(problems, data, name)
    for name in _given(data, YEAR_CODES):
        cleaned[name] = clean_code(problems, data, name, YEAR_CODES[name])
    for name in _given(data, ("size_start", "size_end")):
        cleaned[name] = clean_int(problems, data, name, low=1, high=99)
    if _given(data, ("net_income_per_capita",)):
        cleaned["net_income_per_capita_given"] = clean_decimal(problems, data, "net_income_per_capita")
    return cleaned, problems


def ledger_entered(year: dict) -> bool:
    """Whether any amount net income is computed from has been entered: then the ledger's blanks are 0; when
    none has, the income is not entered (unknown), which is not an income of 0."""
    return any(year.get(name) is not None for name in LEDGER_ITEMS)


def compute_income(year: dict, size: int) -> tuple[Decimal, Decimal]:
    """Net income = wages + business + property + transfers − business expenses (DOMAIN_RULES §1.3), and per
    capita over the household size, both rounded to the fen. Transfers default to the sum of their items; an
    item not entered counts as 0 (callers decide first whether the ledger is entered at all: `ledger_entered`)."""
    value = {name: year.get(name) or Decimal("0.00") for name in (*INCOME_COMPONENTS, *TRANSFER_ITEMS,
                                                                  "business_expense")}
    if year.get("transfer_income") is None:
        value["transfer_income"] = sum((value[item] for item in TRANSFER_ITEMS), Decimal("0.00"))
    net = fen(value["wage_income"] + value["business_income"] + value["property_income"] + value["transfer_income"]
              - value["business_expense"])
    return net, fen(net / size) if size else Decimal("0.00")


def check_income(year: dict, size: int) -> list[Problem]:
    """Transfer items may not exceed the transfer total; a stated per-capita income must match the components."""
    problems: list[Problem] = []
    items = sum((year.get(item) or Decimal("0") for item in TRANSFER_ITEMS), Decimal("0"))
    if year.get("transfer_income") is not None and items > year["transfer_income"]:
        problems.append(Problem("transfer_income", _("The transfer items add up to more than the transfer income.")))
    given = year.get("net_income_per_capita_given")
    if given is not None and ledger_entered(year):
        _net, computed = compute_income(year, size)
        if abs(computed - given) > Decimal("1.00"):
            problems.append(Problem("net_income_per_capita",
                                    _("The per-capita net income %(given)s does not match the components "
                                      "(%(computed)s)."), {"given": given, "computed": computed}))
    return problems
