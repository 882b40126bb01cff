"""Identification and exit cases of the demo village at every step of their procedures, with the notices their
steps publish: one case waits at each step, two notices run now (公示) and one of them has an objection nobody has
resolved yet. No case takes its last step (录入, 销号), which would change a household's status: the report cards
keep reproducing the seeds.

The applicants for identification are ordinary households (一般农户) that apply this year; the households proposed
for exit are poor households of the village whose year record shows them over the line with 两不愁三保障 secured
(their income raised by this year's measures), as the exit rules require before a case may start.
"""

import datetime
from decimal import Decimal

from fupin.core.temporal import today
from fupin.registry.models import Household, HouseholdYear
from fupin.registry.services import household_register, household_year_save
from fupin.workflows.models import Case, Procedure
from fupin.workflows.services import case_decide, case_start, notice_publish, objection_record

from .calibration import Identities, family
from .workyear_common import county_households, demo_places, names, working_days

IDENTIFICATION, EXIT = "household_identification", "household_exit"
STEP_DAYS = 3  # a working step takes three days; a notice its minimum period
APPLICANT_NUMBER = "9"  # household numbers of the year's applicants: the village's digits, then 9 and a serial
PUBLISHER = "村民委员会"
OBJECTION = "村民反映该户家中有在外务工人员，收入可能高于标准，请核实。"


def _applicants(actor, village: str, count: int, rng) -> list[Household]:
    """Ordinary households of the village applying to be identified (registered as 一般农户, no year record)."""
    stored = list(Household.objects.filter(area_id=village, status="8", number__startswith=f"{village[6:]}"
                                           f"{APPLICANT_NUMBER}").order_by("number"))
    adults = Identities(datetime.date(1962, 1, 1), 9_000, 330)
    children = Identities(datetime.date(2008, 1, 1), 3_000, 360)
    for serial in range(len(stored), count):
        members = family(serial, 2 + serial % 3, village[:6], "傈僳族", adults, children)
        for member, name in zip(members, names(rng, len(members)), strict=True):
            member["name"] = name
        stored.append(household_register(actor=actor, area_code=village, members=members, household={
            "number": f"{village[6:]}{APPLICANT_NUMBER}{serial + 1:05d}", "status": "一般农户",
            "attribute": "一般贫困户", "identified_year": today().year,
            "main_cause": ("因病", "缺技术", "缺资金", "因学")[serial % 4]}).household)
    return stored


def _exit_ready(actor, village: str, township: str, count: int) -> list[tuple[Household, int]]:
    """Poor households ready to exit (the demo village's first, then its township's): their latest year over the
    line, every indicator secured."""
    ready = []
    poor = county_households(village[:6])
    candidates = [*poor.filter(area_id=village)[:count],
                  *poor.filter(area__code__startswith=township[:9]).exclude(area_id=village)[:count]][:count]
    for household in candidates:
        year = HouseholdYear.objects.filter(household=household).order_by("-year").first()
        if year is None:
            continue
        size = year.size_end or 1
        household_year_save(actor=actor, household=household, year=year.year, data={
            "wage_income": str(Decimal(6200) * size), "food_secure": True, "clothing_secure": True,
            "education_secure": True, "medical_secure": True, "housing_secure": True, "water_secure": True})
        ready.append((household, year.year))
    return ready


def _walk(actor, case: Case, steps: int, on: datetime.date) -> None:
    """Take the case through its first `steps` steps from `on`, publishing each notice step's notice and
    deciding it once the period has run."""
    for step in case.procedure.steps_in_order()[:steps]:
        if step.notice:
            notice_publish(actor=actor, cases=[case], step_code=step.code, publisher=PUBLISHER,
                           objection_contact="村委会", on=on)
            on += datetime.timedelta(days=step.notice_min_days)
        case_decide(actor=actor, case=case, step_code=step.code, outcome="approve", comment="经核实，符合程序",
                    evidence=["签字确认书.pdf"] if step.needs_evidence else [], on=on)
        case.refresh_from_db()
        on += datetime.timedelta(days=STEP_DAYS)


def _at_every_step(actor, code: str, subjects: list, now: datetime.date) -> dict:
    """The i-th subject's case waits at step i (a notice step: its notice still to publish); one more case waits
    at the first notice step with its notice running now (published three days ago) and a villager's objection
    open; the case at the second notice step, if any, has its notice running now too."""
    steps = Procedure.objects.get(code=code).steps_in_order()
    notice_steps = [k for k, step in enumerate(steps) if step.notice == "gongshi"]
    made = {"cases": 0, "notices": 0, "objections": 0}
    # Enough days for the longest walk (each step, each notice period) so every date is in the past.
    span = sum(STEP_DAYS + step.notice_min_days for step in steps) + 10
    for k, (household, year) in enumerate(subjects):
        objected = k >= len(steps)
        at = notice_steps[0] if objected else k
        start = now - datetime.timedelta(days=span - k)
        case = case_start(actor=actor, procedure_code=code, year=year, household=household, on=start)
        made["cases"] += 1
        _walk(actor, case, at, start)
        made["notices"] += sum(1 for step in steps[:at] if step.notice)
        if objected or (at in notice_steps[1:]):
            notice = notice_publish(actor=actor, cases=[case], step_code=steps[at].code, publisher=PUBLISHER,
                                    objection_contact="村委会", on=now - datetime.timedelta(days=3 - objected))
            made["notices"] += 1
            if objected:
                objection_record(actor=actor, notice=notice, case=case, content=OBJECTION, raised_by="村民（匿名）",
                                 received_on=now - datetime.timedelta(days=1))
                made["objections"] += 1
    return made


def build(*, actor, county_code: str, seed: int = 2026, log=print) -> dict:
    _start, now, rng = working_days(seed)
    township, village = demo_places(county_code)
    if Case.objects.filter(area__code__startswith=township[:9], procedure__code__in=(IDENTIFICATION, EXIT)).exists():
        return {}
    identification = Procedure.objects.get(code=IDENTIFICATION)
    exit_procedure = Procedure.objects.get(code=EXIT)
    # One applicant per step, and one more whose village notice runs now with an objection.
    applicants = _applicants(actor, village, len(identification.steps_in_order()) + 1, rng)
    made = _at_every_step(actor, IDENTIFICATION, [(h, now.year) for h in applicants], now)
    ready = _exit_ready(actor, village, township, len(exit_procedure.steps_in_order()) + 1)
    for kind, count in _at_every_step(actor, EXIT, ready, now).items():
        made[kind] += count
    log(f"Working year in {village}: {made['cases']} cases, {made['notices']} notices, "
        f"{made['objections']} objections.")
    return made
