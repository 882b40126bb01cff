"""The demo county's years 2021–2025 for the report card of today (fupin/analytics/report_today.py), adding through
the services what the other working-year builders leave out:

- monitoring objects of the categories the low-income lists do not bring (the lists bring 边缘易致贫户, category 2):
  each year one 脱贫不稳定户 (category 1, a member of a household out of poverty) identified in March whose risk is
  eliminated in September of the next year, and one 突发严重困难户 (category 3) identified in July whose risk is
  eliminated in the next May — the last ones still at risk at the end of 2025;
- industry measures (产业帮扶) of 2025: a 产业奖补 to every third household out of poverty and to every other
  monitored household of 2025;
- the 2025 income records (收支台账) of the households out of poverty (up to 300), incomes per head from a seeded
  path between 9,000 and 16,000 yuan;
- the county as a 脱贫县: designated poor in 2014 and out in 2020 (泸水市 left the list in November 2020), with its
  rural population and a demo rural income per head for 2025 (14,236 yuan, a demo figure, not a published one).

Every record is found again on a second call (natural keys, notes), which makes nothing new; nothing here changes a
household's status or touches 2014–2020, so the 2014–2020 report cards keep reproducing the seeds. Past dates are
entered in a 补录 session (the caller's, or this module's own)."""

import datetime
import random
import tempfile
from decimal import Decimal
from pathlib import Path

from django.db.models import Sum

from fupin.accounts.history import entering_history
from fupin.areas.models import Area, AreaDesignation, AreaYear, DesignationType
from fupin.areas.services import designation_save, population_import
from fupin.assistance import services as assistance_services
from fupin.assistance.models import DeliveredMeasure, MeasureType
from fupin.core import areacodes as codes
from fupin.core import temporal
from fupin.core.files.tabular import csv_text
from fupin.core.temporal import current_history
from fupin.lowincome import services as lowincome_services
from fupin.lowincome.models import CategoryMembership
from fupin.registry import codelists as registry_codes
from fupin.registry.models import Household, HouseholdYear, Member
from fupin.registry.services import household_year_save

HISTORY_REASON = "演示数据：2021–2025 年防返贫监测、产业帮扶与收入 (demo years of today)"
YEARS = range(2021, 2026)
CARD_YEAR = 2025
INDUSTRY_NOTE = "演示：2025年产业奖补"
DEPARTMENT = "乡村振兴局"
PROCEDURE = "农户申请、村级评议公示、乡镇审核、县级审批"
INCOME_RECORDS = 300
POOR_COUNTY_TYPE, DESIGNATED, EXITED = "poor_county", 2014, 2020
RURAL_INCOME_2025 = Decimal("14236")  # demo figure


def build(*, actor, county_code: str, seed: int = 2026, log=print) -> dict:
    county = Area.objects.filter(code=codes.normalise_code(county_code)).first()
    if county is None or not Household.objects.filter(county_code=county_code[:6]).exists():
        log(f"Years of today: county {county_code} has no registry; nothing made.")
        return {}
    if temporal.today().year <= CARD_YEAR:
        log("Years of today: 2025 is not over yet; nothing made.")
        return {}
    if current_history() is not None:
        made = _all(actor, county, seed)
    else:
        with entering_history(actor=actor, reason=HISTORY_REASON):
            made = _all(actor, county, seed)
    log("Years of today: " + ", ".join(f"{count} {kind}" for kind, count in made.items()))
    return made


def _all(actor, county, seed: int) -> dict:
    rng = random.Random(seed + 2025)
    exited = list(Household.objects.filter(county_code=county.code[:6],
                                           status__in=sorted(registry_codes.EXITED_STATUSES)).order_by("id"))
    made = {"monitoring_objects_1_3": _monitoring(actor, exited), "tuopin_county": _tuopin_county(actor, county)}
    made["income_records_2025"] = _incomes(actor, exited[:INCOME_RECORDS], rng)
    made["industry_measures_2025"] = _industry(actor, county, exited)
    return made


def _free_members(exited: list[Household]) -> list[Member]:
    """Heads of households out of poverty, from the last registered, whose person holds no monitoring membership
    (the low-income lists take theirs from the first registered members)."""
    taken = set(CategoryMembership.objects.filter(category="monitoring").values_list("person__id_number", flat=True))
    members = []
    for household in reversed(exited):
        member = household.members.filter(is_active=True, id_number__isnull=False).order_by("id").first()
        if member is not None and member.id_number not in taken:
            members.append(member)
        if len(members) == 2 * len(YEARS):
            break
    return members


def _monitoring(actor, exited: list[Household]) -> int:
    """Categories 1 and 3, one each per year (see the module's docstring)."""
    marked = CategoryMembership.objects.filter(category="monitoring", department=DEPARTMENT, procedure=PROCEDURE)
    if marked.exists():
        return 0
    made = 0
    members = _free_members(exited)
    for index, year in enumerate(YEARS):
        plan = ((1, "1", datetime.date(year, 3, 10), datetime.date(year + 1, 9, 20)),
                (0, "3", datetime.date(year, 7, 5), datetime.date(year + 1, 5, 15)))
        for offset, category, start, end in plan:
            if 2 * index + offset >= len(members):
                continue
            member = members[2 * index + offset]
            person = lowincome_services.person_find_or_create(actor=actor, id_number=member.id_number,
                                                              name=member.name)
            ends = end if end.year <= CARD_YEAR else None  # those of 2025 are still at risk at its end
            lowincome_services.membership_save(actor=actor, person=person, data={
                "category": "monitoring", "monitoring_category": category, "department": DEPARTMENT,
                "identified_on": start, "procedure": PROCEDURE, "ends_on": ends,
                "end_reason": "risk_eliminated" if ends else ""})
            made += 1
    return made


def _incomes(actor, households: list[Household], rng: random.Random) -> int:
    made = 0
    have = set(HouseholdYear.objects.filter(household__in=households, year=CARD_YEAR).values_list(
        "household_id", flat=True))
    for household in households:
        per_head = Decimal(rng.randrange(9000, 16001))
        if household.pk in have:
            continue
        size = household.members.filter(is_active=True).count() or 1
        total = per_head * size
        wages = (total * Decimal("0.62")).quantize(Decimal(1))
        business = (total * Decimal("0.23")).quantize(Decimal(1))
        household_year_save(actor=actor, household=household, year=CARD_YEAR, data={
            "wage_income": str(wages), "business_income": str(business),
            "transfer_income": str(total - wages - business), "size_end": size})
        made += 1
    return made


def _industry(actor, county, exited: list[Household]) -> int:
    measure_type = MeasureType.objects.get(code="industry")
    done = set(DeliveredMeasure.objects.filter(note=INDUSTRY_NOTE).values_list("household_id", flat=True))
    start, end = datetime.date(CARD_YEAR, 1, 1), datetime.date(CARD_YEAR, 12, 31)
    monitored = sorted(set(CategoryMembership.objects.filter(
        category="monitoring", household__county_code=county.code[:6], identified_on__lte=end).exclude(
        ends_on__lte=start).values_list("household_id", flat=True)) - {None})
    chosen = [(household, datetime.date(CARD_YEAR, 4, 15)) for household in exited[::3]]
    chosen += [(household, datetime.date(CARD_YEAR, 6, 15)) for household in
               Household.objects.filter(pk__in=monitored[::2]).order_by("id")]
    made = 0
    for household, on in chosen:
        if household.pk in done:
            continue
        assistance_services.record_save(actor=actor, kind="delivered", data={
            "household": household, "measure_type": measure_type, "delivered_on": on, "amount": Decimal("3000"),
            "note": INDUSTRY_NOTE})
        done.add(household.pk)
        made += 1
    return made


def _tuopin_county(actor, county) -> int:
    """The county's poor-county designation (2014, out in 2020) and its 2025 rural population and income."""
    made = 0
    if not AreaDesignation.objects.filter(area=county, designation_type_id__in=(
            POOR_COUNTY_TYPE, "key_county", "contiguous_area_county")).exists():
        designation_save(actor=actor, area=county, designation_type=DesignationType.objects.get(code=POOR_COUNTY_TYPE),
                         year=DESIGNATED, exit_year=EXITED)
        made += 1
    if not AreaYear.objects.filter(area=county, year=CARD_YEAR, rural_income_per_capita__isnull=False).exists():
        low, high = codes.code_range(county.prefix)
        latest = AreaYear.objects.filter(area__level=codes.Level.VILLAGE, area_id__gte=low, area_id__lte=high)
        last_year = latest.order_by("-year").values_list("year", flat=True).first()
        population = (latest.filter(year=last_year).aggregate(total=Sum("rural_population"))["total"]
                      if last_year else None) or 4 * Household.objects.filter(county_code=county.code[:6]).count()
        path = Path(tempfile.mkdtemp(prefix="demo-today-")) / "county-2025.csv"
        path.write_text(csv_text([["行政区划代码", "年度", "乡村人口", "农村居民人均可支配收入"],
                                  [county.code, str(CARD_YEAR), str(population), str(RURAL_INCOME_2025)]]),
                        encoding="utf-8")
        population_import(actor=actor, path=path)
        made += 1
    return made
