"""Consistency rules (DOMAIN_RULES §1.5, §5.3, §7.3): they warn at entry and import but never refuse.

Each rule is a function over the cleaned household, its active members (with their positions) and year; a
province switches a rule off with a `ConsistencyRuleSwitch` row. The data-quality engine will run the same rules
in sets over the registry.
"""

import datetime
from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from . import codelists as cl
from .validation import WARNING, Problem, check_income, check_structure, clean_household, clean_member, clean_year

RULES: dict[str, tuple[object, Callable]] = {}


def rule(code: str, title):
    def register(function):
        RULES[code] = (title, function)
        return function

    return register


def age_on(birth: datetime.date | None, day: datetime.date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _warn(code, field, message, params=None, member=None) -> Problem:
    return Problem(field, message, params or {}, member, WARNING, code)




@rule("relation_sex", _("relation to the head does not fit the sex"))
def relation_sex(household, active, year, day):
    for i, m in active:
        if (m["relation"] in cl.MALE_RELATIONS and m["sex"] == "2") or (
                m["relation"] in cl.FEMALE_RELATIONS and m["sex"] == "1"):
            yield _warn("relation_sex", "relation", _("“%(relation)s” does not fit the member's sex."),
                        {"relation": cl.RELATION.label(m["relation"])}, i)


@rule("spouse_same_sex", _("head and spouse of the same sex"))
def spouse_same_sex(household, active, year, day):
    heads = [m for _i, m in active if m["relation"] == cl.HEAD]
    for i, m in active:
        if m["relation"] == cl.SPOUSE and heads and m["sex"] == heads[0]["sex"] and m["sex"] in {"1", "2"}:
            yield _warn("spouse_same_sex", "sex", _("The spouse has the same sex as the head."), member=i)


@rule("relation_age", _("relation to the head does not fit the ages"))
def relation_age(household, active, year, day):
    heads = [m for _i, m in active if m["relation"] == cl.HEAD and m.get("birth_date")]
    if not heads:
        return
    head_birth = heads[0]["birth_date"]
    for i, m in active:
        birth = m.get("birth_date")
        if birth is None:
            continue
        if m["relation"] in cl.ELDER_RELATIONS and birth >= head_birth:
            yield _warn("relation_age", "relation", _("A parent or grandparent is not older than the head."),
                        member=i)
        if m["relation"] in {"03", "04", "07", "08", "09", "10", "21", "22"} and birth <= head_birth:
            yield _warn("relation_age", "relation", _("A child or grandchild is not younger than the head."),
                        member=i)


@rule("cause_members", _("main cause not reflected in the members"))
def cause_members(household, active, year, day):
    active = [m for _i, m in active]
    cause = household.get("main_cause")
    if cause == "01" and not any(m.get("health") in {"2", "3"} for m in active):
        yield _warn("cause_members", "main_cause", _("Main cause is illness but no member is ill."))
    if cause == "02" and not any(m.get("health") == "4" for m in active):
        yield _warn("cause_members", "main_cause", _("Main cause is disability but no member is disabled."))
    if cause == "03" and not any(m.get("school_status") not in {"", "00", "18"} for m in active):
        yield _warn("cause_members", "main_cause", _("Main cause is schooling but no member is in school."))


@rule("other_cause_repeats_main", _("another cause repeats the main cause"))
def other_cause_repeats_main(household, active, year, day):
    if household.get("main_cause") in household.get("other_causes", []):
        yield _warn("other_cause_repeats_main", "other_causes", _("Another cause repeats the main cause."))


@rule("labour_age_health", _("labour capacity does not fit age or health"))
def labour_age_health(household, active, year, day):
    for i, m in active:
        age = age_on(m.get("birth_date"), day)
        if age is None or not m.get("labour"):
            continue
        if age < 16 and m["labour"] != "5":
            yield _warn("labour_age_health", "labour", _("A member under 16 should have no labour capacity."),
                        member=i)
        healthy = m.get("health") == "1"
        in_school = m.get("school_status") not in {"", "00", "18"}
        if 16 <= age <= 60 and healthy and not in_school and m["labour"] in cl.NO_LABOUR:
            yield _warn("labour_age_health", "labour",
                        _("A healthy member of working age not in school is recorded without labour capacity."),
                        member=i)


@rule("work_months", _("work location and months disagree"))
def work_months(household, active, year, day):
    for i, m in active:
        months = m.get("work_months") or 0
        if m.get("work_location") and months == 0:
            yield _warn("work_months", "work_months", _("A work location is given but no months worked."),
                        member=i)
        if months > 0 and not m.get("work_location"):
            yield _warn("work_months", "work_location", _("Months worked are given but no work location."),
                        member=i)


@rule("school_age", _("school level does not fit age"))
def school_age(household, active, year, day):
    for i, m in active:
        age = age_on(m.get("birth_date"), day)
        if age is None:
            continue
        if age <= 14 and m.get("school_status") in cl.SENIOR_SCHOOL_OR_ABOVE:
            yield _warn("school_age", "school_status", _("A member aged 14 or less is in senior school or above."),
                        member=i)
        if age >= 20 and m.get("school_status") in cl.PRIMARY_OR_BELOW:
            yield _warn("school_age", "school_status", _("A member aged 20 or more is in primary school or below."),
                        member=i)


@rule("allowance_attribute", _("allowance flags disagree with the household attribute"))
def allowance_attribute(household, active, year, day):
    active = [m for _i, m in active]
    attribute = household.get("attribute")
    if attribute in {"04", "07"} and not any(m.get("on_dibao") for m in active):
        yield _warn("allowance_attribute", "attribute", _("An allowance household has no member on the allowance."))
    if attribute == "01" and any(m.get("on_dibao") for m in active):
        yield _warn("allowance_attribute", "attribute", _("An ordinary poor household has a member on the allowance."))


def enabled_rules(province_code: str) -> list[str]:
    from .models import ConsistencyRuleSwitch

    switched = dict(ConsistencyRuleSwitch.objects.filter(province_code=province_code)
                    .values_list("rule", "enabled"))
    return [code for code in RULES if switched.get(code, True)]


def warnings_for(household: dict, members: list[dict], year: dict | None, *, province_code: str,
                 day: datetime.date | None = None, rules: list[str] | None = None) -> list[Problem]:
    """Warnings of the rules enabled in the province (`rules`, when the caller already looked them up)."""
    day = day or datetime.date.today()
    # The rules see the active members with their positions (which a warning names), found once for all.
    active = [(i, m) for i, m in enumerate(members) if m.get("is_active", True)]
    found: list[Problem] = []
    for code in rules if rules is not None else enabled_rules(province_code):
        found.extend(RULES[code][1](household, active, year or {}, day))
    return found


def cause_extras_allowed(province_code: str) -> bool:
    """因婚/因丧 are accepted unless the province switched the rule "cause_extras" off."""
    from .models import ConsistencyRuleSwitch

    switch = ConsistencyRuleSwitch.objects.filter(rule="cause_extras", province_code=province_code).first()
    return switch is None or switch.enabled


def province_policy(province_code: str) -> tuple[bool, list[str]]:
    """(extra causes allowed, enabled consistency rules) of a province: what cleaning needs, in one place."""
    return cause_extras_allowed(province_code), enabled_rules(province_code)


def check_submission(area_code: str, household: dict, members: list[dict], year_data: dict | None,
                     today: datetime.date, policy: tuple[bool, list[str]] | None = None):
    """Clean one household submission (validation's cleaning and hard checks, then the consistency warnings when
    nothing is refused); returns (household, members, year, hard problems, warnings). Reads the database only for
    the province's policy when `policy` is not given (the bulk path cleans in worker processes that never open a
    connection)."""
    province = area_code[:2]
    extras_allowed, rules = policy or province_policy(province)
    problems: list[Problem] = []
    clean_h, found = clean_household(household, causes_extras_allowed=extras_allowed)
    problems += found
    clean_ms = []
    for index, member in enumerate(members):
        cleaned, found = clean_member(member, position=index, today=today)
        clean_ms.append(cleaned)
        problems += found
    clean_y = None
    if year_data is not None:
        clean_y, found = clean_year(year_data)
        problems += found
    problems += check_structure(clean_ms, clean_y.get("size_end") if clean_y else None)
    if clean_y is not None:
        problems += check_income(clean_y, clean_y.get("size_end") or len(clean_ms))
    warnings = (warnings_for(clean_h, clean_ms, clean_y, province_code=province, day=today, rules=rules)
                if not problems else [])
    return clean_h, clean_ms, clean_y, problems, warnings
