"""Builders for the low-income tests: people in the register, memberships and economic checks through the
services."""

import datetime
import itertools
from decimal import Decimal

from fupin.lowincome import services
from fupin.testing.factories import id_number, system_user

D = datetime.date
LUZHANG, SANHE, FUGONG = "533301102201", "533301102202", "533323101201"
_sequence = itertools.count(101)


def person(name: str, area: str = LUZHANG, *, region: str | None = None):
    number = id_number((region or area[:6]), "19700101", f"{next(_sequence):03d}")
    return services.person_find_or_create(actor=system_user(), id_number=number, name=name, area_code=area)


def member_of(who, category: str, start, end=None, *, reason: str = "", monitoring: str = ""):
    return services.membership_save(actor=system_user(), person=who, data={
        "category": category, "department": "民政局", "identified_on": start, "ends_on": end, "end_reason": reason,
        "monitoring_category": monitoring})


def check(who, year: int, income: str, *, size: int = 2, passed: bool = True, medical: str = "0",
          education: str = "0"):
    return services.check_save(actor=system_user(), person=who, year=year, data={
        "household_size": size, "income_per_capita": Decimal(income), "property_passed": passed,
        "medical_spending": Decimal(medical), "education_spending": Decimal(education)})
