"""The demo county's support of today (issue 26), through the services: measures that continue after the risk is
eliminated until their own end (public-welfare posts to their agreements, microcredit to its contract, 雨露计划 to
the end of the school stage), relocation follow-up (a large settlement of 800 or more people and a small one,
employment and property certificates of the relocated households, warnings for those at risk), and a roster
survey (农户花名册 imported through the common import, a sample drawn from a seed, the surveyors' findings) from
which 漏评 / 漏监测 are estimated.

Every record is found again by its natural key or note on a second call, which makes nothing new. Past dates are
entered in a 补录 session (the caller's, or this module's own)."""

import csv
import datetime
import tempfile
from decimal import Decimal
from pathlib import Path

from fupin.accounts.history import entering_history
from fupin.areas.models import Area
from fupin.assistance import services as assistance_services
from fupin.assistance.models import (
    DeliveredMeasure,
    Loan,
    MeasureType,
    PropertyCertificate,
    Relocation,
    RelocationEmployment,
    RelocationSite,
)
from fupin.cooperation.models import Party
from fupin.cooperation.services import party_save
from fupin.core import areacodes as codes
from fupin.core import temporal
from fupin.core.temporal import current_history
from fupin.evaluation import services as evaluation_services
from fupin.evaluation.importing import roster_import
from fupin.evaluation.models import RosterEntry, RosterSurvey
from fupin.monitoring.relocation import relocation_warnings_open
from fupin.registry import codelists as registry_codes
from fupin.registry.models import Household

HISTORY_REASON = "演示数据：常态化帮扶、搬迁后续扶持与花名册抽样 (demo support of today)"
NOTE = "演示：持续帮扶"  # marks the demo's continuing measures (found again on a second call)
LARGE_SITE, SMALL_SITE = "演示集中安置区（大型）", "演示分散安置点"
BANK = "泸水市农村信用合作联社（演示）"
ROSTER_VILLAGES = 2
EXTRA_ROSTER_HOUSEHOLDS = 25  # unregistered households of each roster village (numbers R-<n>)


def build(*, actor, county_code: str, seed: int = 2026, log=print) -> dict:
    county = Area.objects.filter(code=codes.normalise_code(county_code)).first()
    if county is None:
        log(f"Support: county {county_code} is not loaded; nothing made.")
        return {}
    low, high = codes.code_range(county.prefix)
    exited = list(Household.objects.filter(area_id__gte=low, area_id__lte=high,
                                           status__in=registry_codes.EXITED_STATUSES).order_by("id")[:60])
    if len(exited) < 8:
        log("Support: too few households out of poverty in the county; nothing made.")
        return {}
    counts: dict[str, int] = {}
    if current_history() is not None:
        _all(actor, county, exited, counts, seed)
    else:
        with entering_history(actor=actor, reason=HISTORY_REASON):
            _all(actor, county, exited, counts, seed)
    log("Support: " + ", ".join(f"{name} {value}" for name, value in counts.items()))
    return counts


def _all(actor, county, exited, counts, seed) -> None:
    today = temporal.today()
    third = len(exited) // 3
    counts.update(_continuing(actor, county, exited[:third], today))
    counts.update(_relocation(actor, county, exited[third:], today))
    counts["relocation_warnings"] = len(relocation_warnings_open(actor=actor, area_code=county.code, on=today))
    counts.update(_roster(actor, county, seed, today))


def _deliver(actor, household, code, on, **extra) -> int:
    measure_type = MeasureType.objects.get(code=code)
    if DeliveredMeasure.objects.filter(household=household, measure_type=measure_type, note=NOTE).exists():
        return 0
    assistance_services.record_save(actor=actor, kind="delivered", data={
        "household": household, "measure_type": measure_type, "delivered_on": on, "amount": Decimal("3000"),
        "note": NOTE, **extra})
    return 1


def _continuing(actor, county, households, today) -> dict:
    made = {"continuing_posts": 0, "continuing_loans": 0, "continuing_school": 0}
    bank = Party.objects.filter(kind="financial", name=BANK).first() or party_save(
        actor=actor, data={"kind": "financial", "name": BANK, "area": county})
    for index, household in enumerate(households):
        started = today - datetime.timedelta(days=200 + 15 * index)
        if index % 3 == 0:  # a post whose agreement runs past today
            made["continuing_posts"] += _deliver(actor, household, "public_job", started,
                                                 agreement_ends_on=today + datetime.timedelta(days=90 + 20 * index))
        elif index % 3 == 1:  # microcredit to the end of its three-year contract
            loan = Loan.objects.filter(household=household, bank=bank, issued_on=started).first()
            if loan is None:
                loan = assistance_services.record_save(actor=actor, kind="loan", data={
                    "household": household, "bank": bank, "amount": Decimal("50000"), "issued_on": started,
                    "due_on": started.replace(year=started.year + 3), "annual_rate": Decimal("3.45")})
            made["continuing_loans"] += _deliver(actor, household, "microcredit", started, loan=loan)
        pupil = household.members.filter(is_active=True, school_status__in=["09", "10", "11", "12", "13", "14"]).first()
        if pupil is not None:  # 雨露计划 to the end of the pupil's stage
            made["continuing_school"] += _deliver(actor, household, "education", started, member=pupil,
                                                  end_rule="school_stage")
    return made


def _relocation(actor, county, households, today) -> dict:
    made = {"sites": 0, "relocations": 0, "employment": 0, "certificates": 0}
    village = households[0].area
    relocated = households[:24]
    persons = {h.pk: max(1, h.members.filter(is_active=True).count()) for h in relocated}
    large_households, small_households = relocated[:18], relocated[18:]
    registered_large = sum(persons[h.pk] for h in large_households)
    sites = {}
    for name, kind, moved, co_moved in (
            (LARGE_SITE, "centralised", large_households, max(0, 800 - registered_large) + 36),
            (SMALL_SITE, "scattered", small_households, 0)):
        site = RelocationSite.objects.filter(area=village, name=name).first()
        if site is None:
            site = assistance_services.record_save(actor=actor, kind="site", data={
                "name": name, "area": village, "kind": kind, "planned_households": len(moved),
                "co_moved_persons": co_moved})
            made["sites"] += 1
        sites[name] = (site, moved)
    for site, moved in sites.values():
        for index, household in enumerate(moved):
            if not Relocation.objects.filter(household=household).exists():
                assistance_services.record_save(actor=actor, kind="relocation", data={
                    "household": household, "site": site, "persons": persons[household.pk],
                    "moved_on": datetime.date(2019, 6, 1) + datetime.timedelta(days=7 * index)})
                made["relocations"] += 1
    for index, household in enumerate(relocated):
        member = household.members.filter(is_active=True).order_by("id").first()
        if member is None:
            continue
        if index % 4 != 3 and not RelocationEmployment.objects.filter(household=household).exists():
            ended = today - datetime.timedelta(days=40) if index % 4 == 2 else None  # lost the job: at risk
            assistance_services.record_save(actor=actor, kind="employment", data={
                "household": household, "member": member, "kind": ["local", "migrant", "public_post"][index % 3],
                "employer": "安置区扶贫车间" if index % 2 else "省外务工", "start_date": datetime.date(2021, 3, 1),
                "end_date": ended})
            made["employment"] += 1
        if index % 2 == 0 and not PropertyCertificate.objects.filter(household=household).exists():
            assistance_services.record_save(actor=actor, kind="certificate", data={
                "household": household, "number": f"云(2022)泸水市不动产权第{household.pk:07d}号",
                "issued_on": datetime.date(2022, 5, 1) + datetime.timedelta(days=7 * index)})
            made["certificates"] += 1
    return made


def _roster(actor, county, seed, today) -> dict:
    """Each of the first villages with registered households gets its full roster: the registered households (the
    head's ID number links them) and unregistered ones; then a survey draws from the rosters and records findings:
    a few unregistered households should have been registered or monitored."""
    year = today.year - 1
    low, high = codes.code_range(county.prefix)
    villages = list(Household.objects.filter(area_id__gte=low, area_id__lte=high).order_by("area_id").values_list(
        "area_id", flat=True).distinct()[:ROSTER_VILLAGES])
    rows = [["行政区划代码", "年度", "花名册序号", "户主姓名", "户主证件号码", "家庭人口"]]
    for village in villages:
        for household in Household.objects.filter(area_id=village).exclude(status="9").order_by("number")[:60]:
            head = household.members.filter(is_active=True, relation=registry_codes.HEAD).first()
            if head is None:
                continue
            rows.append([village, str(year), household.number, head.name, head.id_number or "",
                         str(max(1, household.members.filter(is_active=True).count()))])
        for k in range(1, EXTRA_ROSTER_HOUSEHOLDS + 1):
            rows.append([village, str(year), f"R-{k:03d}", f"{'李王张杨和余'[k % 6]}{'明华芳丽强'[k % 5]}{k}", "",
                         str(2 + k % 4)])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roster.csv"
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows(rows)
        report = roster_import(actor=actor, kind="roster", path=path, skip_invalid=True)
    surveys_before = RosterSurvey.objects.filter(area=county, year=year).count()
    survey = evaluation_services.roster_survey_create(actor=actor, area_code=county.code, year=year,
                                                      seed=seed, households_per_village=12)
    found = 0
    for entry in RosterEntry.objects.filter(survey=survey, should_register__isnull=True).select_related(
            "roster").order_by("position"):
        unregistered = not entry.registered
        evaluation_services.roster_finding_record(
            actor=actor, entry=entry, should_register=unregistered and entry.position % 9 == 0,
            should_monitor=(not entry.monitored) and entry.position % 7 == 0,
            surveyed_on=today - datetime.timedelta(days=30))
        found += 1
    return {"roster_households": report.created,
            "roster_surveys": RosterSurvey.objects.filter(area=county, year=year).count() - surveys_before,
            "roster_findings": found}
