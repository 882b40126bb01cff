"""Writes of the third-party evaluation: one transaction each, a permission check first, an audit record.

Who may do what (see ADR 0009): the evaluation team works with `approve` — the built-in third-party evaluator role
holds `view` and `approve` — to create an evaluation and draw its sample, record interviews, decide appeals and
conclude. The county's side files, amends and withdraws appeals with `change` in the household's village; an
appeal is decided by someone other than the person who filed it.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.areas.selectors import area_by_code, within_area
from fupin.audit import registry as audit_registry
from fupin.audit.services import audit_record
from fupin.core import areacodes as codes
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.core.temporal import fact_date
from fupin.registry import codelists as cl
from fupin.registry.models import HouseholdYear
from fupin.rules.policy import YearPolicy

from . import figures as figures_module
from .figures import classify, planned_exit_q
from .models import (
    Appeal,
    AppealEvidence,
    Evaluation,
    Finding,
    Interview,
    Questionnaire,
    RosterEntry,
    RosterHousehold,
    RosterSurvey,
    RosterVillage,
    SampledVillage,
    SampleEntry,
    Stratum,
)
from .sampling import VillageFrame, draw

EVALUATION_CREATED = audit_registry.register("evaluation.created", _("created a third-party evaluation and its sample"))
INTERVIEW_RECORDED = audit_registry.register("evaluation.interviewed", _("recorded an evaluation interview"))
APPEAL_FILED = audit_registry.register("evaluation.appeal_filed", _("filed an appeal with evidence"))
APPEAL_CHANGED = audit_registry.register("evaluation.appeal_changed", _("changed an appeal"))
APPEAL_WITHDRAWN = audit_registry.register("evaluation.appeal_withdrawn", _("withdrew an appeal"))
APPEAL_DECIDED = audit_registry.register("evaluation.appeal_decided", _("decided an appeal"))
ROSTER_SURVEY_CREATED = audit_registry.register("evaluation.roster_survey_created",
                                                _("created a roster survey and drew its sample"))
ROSTER_FINDING_RECORDED = audit_registry.register("evaluation.roster_finding", _("recorded a roster survey finding"))
EVALUATION_CONCLUDED = audit_registry.register("evaluation.concluded", _("concluded a third-party evaluation"))
WEIGHT_PLACES = Decimal("0.000001")


# Evaluations and their frame ------------------------------------------------------------------------------------
def _frame(county, year: int) -> list[VillageFrame]:
    rows = HouseholdYear.objects.filter(within_area("household__area_id", county), year=year).exclude(
        household__status="9")
    planned = planned_exit_q(year)
    villages: dict[str, tuple[list[str], list[str]]] = {}
    for village, number in rows.filter(planned).exclude(status=cl.ORDINARY).values_list("household__area_id",
                                                                                          "household__number"):
        villages.setdefault(village, ([], []))[0].append(number)
    for village, number in rows.filter(status=cl.ORDINARY).exclude(planned).values_list("household__area_id",
                                                                                         "household__number"):
        villages.setdefault(village, ([], []))[1].append(number)
    return [VillageFrame(code, tuple(exits), tuple(ordinary)) for code, (exits, ordinary) in villages.items()]


def evaluation_create(*, actor, area_code: str, year: int, seed: int, ordinary_per_village: int,
                      villages: int | None = None, questionnaire: str = "household") -> Evaluation:
    """Create an evaluation of a county for a year and draw its sample (reproducible from `seed`)."""
    county = area_by_code(area_code)
    require(actor, Action.APPROVE, county.code)
    if county.level != codes.Level.COUNTY:
        raise ValidationFailed(_("An evaluation is of a county; %(code)s is not one."), field="area",
                               code=county.code)
    if villages is not None and villages < 1:
        raise ValidationFailed(_("Sample at least one village."), field="villages")
    if ordinary_per_village < 0:
        raise ValidationFailed(_("The number of ordinary households cannot be negative."),
                               field="ordinary_per_village")
    version = Questionnaire.objects.filter(code=questionnaire).order_by("-version").first()
    if version is None:
        raise ValidationFailed(_("Unknown questionnaire %(code)s."), field="questionnaire", code=questionnaire)
    frame = _frame(county, year)
    if not frame:
        raise ValidationFailed(_("No household of %(area)s has a record for %(year)s to sample from."),
                               field="year", area=county.name, year=year)
    sample = draw(frame, seed=seed, villages_wanted=villages, ordinary_per_village=ordinary_per_village)
    by_code = {village.code: village for village in frame}
    ids = dict(HouseholdYear.objects.filter(within_area("household__area_id", county), year=year)
               .values_list("household__number", "household_id"))
    with transaction.atomic():
        evaluation = Evaluation.objects.create(area=county, year=year, seed=seed, villages_requested=villages,
                                               ordinary_per_village=ordinary_per_village,
                                               villages_total=sample.villages_total, questionnaire=version,
                                               created_by=actor)
        sampled = {}
        for code in sample.villages:
            village = by_code[code]
            sampled[code] = SampledVillage.objects.create(
                evaluation=evaluation, area_id=code, exit_households=len(village.exit),
                ordinary_households=len(village.ordinary),
                ordinary_sampled=min(ordinary_per_village, len(village.ordinary)))
        SampleEntry.objects.bulk_create([
            SampleEntry(evaluation=evaluation, village=sampled[item.village], household_id=ids[item.household],
                        area_code=item.village, stratum=item.stratum, position=position,
                        weight=(Decimal(item.weight.numerator) / Decimal(item.weight.denominator)).quantize(
                            WEIGHT_PLACES, rounding=ROUND_HALF_UP))
            for position, item in enumerate(sample.households, start=1)])
        audit_record(actor=actor, action=EVALUATION_CREATED, obj=evaluation, area_code=county.code,
                     after={"year": year, "seed": seed, "villages": villages,
                            "ordinary_per_village": ordinary_per_village, "villages_total": sample.villages_total,
                            "villages_sampled": list(sample.villages), "households": len(sample.households),
                            "questionnaire": str(version)})
    return evaluation


def _open(evaluation: Evaluation) -> None:
    if evaluation.status != Evaluation.Status.FIELDWORK:
        raise ValidationFailed(_("This evaluation is concluded."), field="status")


def evaluation_conclude(*, actor, evaluation: Evaluation) -> Evaluation:
    """Freeze the figures and the verdict; no interview or appeal changes them afterwards."""
    require(actor, Action.APPROVE, evaluation.area_id)
    _open(evaluation)
    if evaluation.entries.filter(appeals__status=Appeal.Status.PENDING).exists():
        raise ValidationFailed(_("Decide the pending appeals first."), field="appeals")
    with transaction.atomic():
        result = figures_module.compute(evaluation)
        evaluation.status, evaluation.concluded_figures = Evaluation.Status.CONCLUDED, result
        evaluation.save(update_fields=["status", "concluded_figures", "updated_at"])
        audit_record(actor=actor, action=EVALUATION_CONCLUDED, obj=evaluation, area_code=evaluation.area_id,
                     after={"verdict": result["verdict"]})
    return evaluation


# Interviews -------------------------------------------------------------------------------------------------------
def _answer(question: dict, value):
    """The answer checked against the question's type; raises ValidationFailed."""
    field = f"answers.{question['code']}"
    kind = question["type"]
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ValidationFailed(_("Answer yes or no."), field=field)
        return value
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().lstrip("-").isdigit():
            raise ValidationFailed(_("Give a whole number."), field=field)
        value = int(value)
    elif kind == "decimal":
        try:
            value = Decimal(str(value).strip()) if not isinstance(value, bool) else None
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise ValidationFailed(_("Give a number."), field=field)
    elif kind == "choice":
        if value not in question.get("choices", []):
            raise ValidationFailed(_("Choose one of the listed answers."), field=field)
        return value
    else:
        if not isinstance(value, str) or len(value) > 500:
            raise ValidationFailed(_("Give a text of at most 500 characters."), field=field)
        return value
    if "min" in question and value < question["min"]:
        raise ValidationFailed(_("The answer must be at least %(min)s."), field=field, min=question["min"])
    return str(value) if kind == "decimal" else value


def clean_answers(questionnaire: Questionnaire, stratum: str, answers: dict) -> dict:
    """The answers of a household of `stratum`, checked against the questionnaire version: every required question
    that applies answered with a value of its type, nothing else."""
    applies = {q["code"]: q for q in questionnaire.questions if stratum in q.get("applies_to", Stratum.values)}
    unknown = sorted(set(answers) - set(applies))
    if unknown:
        raise ValidationFailed(_("Questions not in this questionnaire for this household: %(codes)s."),
                               field="answers", codes=", ".join(unknown))
    clean = {}
    for code, question in applies.items():
        value = answers.get(code)
        if value is None or value == "":
            if question.get("required"):
                raise ValidationFailed(_("This question must be answered."), field=f"answers.{code}")
            continue
        clean[code] = _answer(question, value)
    return clean


def interview_record(*, actor, entry: SampleEntry, answers: dict, interviewed_on: datetime.date,
                     interviewer: str = "") -> Interview:
    """Record (or replace) the answers of a sampled household."""
    require(actor, Action.APPROVE, entry.area_code)
    evaluation = entry.evaluation
    _open(evaluation)
    clean = clean_answers(evaluation.questionnaire, entry.stratum, answers)
    if interviewed_on > timezone.localdate():
        raise ValidationFailed(_("The interview date is in the future."), field="interviewed_on")
    with transaction.atomic():
        interview = Interview.objects.filter(entry=entry).first()
        before = interview.answers if interview else None
        if interview is None:
            interview = Interview(entry=entry, questionnaire=evaluation.questionnaire)
        if entry.appeals.exclude(status=Appeal.Status.REJECTED).exists() and before is not None and before != clean:
            raise ValidationFailed(_("An appeal on this household is pending or upheld: its answers are fixed."),
                                   field="answers")
        interview.answers, interview.interviewed_on, interview.interviewer = clean, interviewed_on, interviewer
        interview.recorded_by = actor
        interview.save()
        audit_record(actor=actor, action=INTERVIEW_RECORDED, obj=interview, area_code=entry.area_code,
                     before=before, after=clean)
    return interview


# Appeals (申诉举证) -------------------------------------------------------------------------------------------------
def _current_findings(entry: SampleEntry) -> set[str]:
    interview = Interview.objects.filter(entry=entry).select_related("questionnaire").first()
    if interview is None:
        return set()
    evaluation = entry.evaluation
    found = classify(answers=interview.answers, stratum=entry.stratum, questionnaire=interview.questionnaire,
                     year=evaluation.year, province=evaluation.area_id[:2], policy=YearPolicy.load(evaluation.year))
    return ({Finding.WRONG_EXIT} if found["wrong_exit"] else set()) | (
        {Finding.MISSED} if found["missed"] else set()) | (set() if found["recognised"] else {Finding.NOT_RECOGNISED})


def appeal_file(*, actor, entry: SampleEntry, finding: str, evidence: str) -> Appeal:
    """The county contests a finding of the interview on a sampled household, with evidence."""
    require(actor, Action.CHANGE, entry.area_code)
    _open(entry.evaluation)
    evidence = (evidence or "").strip()
    if not evidence:
        raise ValidationFailed(_("Give the evidence."), field="evidence")
    if finding not in Finding.values:
        raise ValidationFailed(_("Unknown finding %(finding)s."), field="finding", finding=finding)
    if finding not in _current_findings(entry):
        raise ValidationFailed(_("The evaluation did not find this on the household."), field="finding")
    if entry.appeals.filter(finding=finding).exclude(status=Appeal.Status.REJECTED).exists():
        raise ValidationFailed(_("This finding is already under appeal or reversed."), field="finding")
    with transaction.atomic():
        appeal = Appeal.objects.create(entry=entry, area_code=entry.area_code, finding=finding, evidence=evidence,
                                       filed_by=actor)
        audit_record(actor=actor, action=APPEAL_FILED, obj=appeal, area_code=entry.area_code,
                     after={"finding": finding, "evidence": evidence})
    return appeal


def _pending(appeal: Appeal) -> None:
    _open(appeal.entry.evaluation)
    if appeal.status != Appeal.Status.PENDING:
        raise ValidationFailed(_("This appeal is decided."), field="status")


def appeal_update(*, actor, appeal: Appeal, evidence: str) -> Appeal:
    require(actor, Action.CHANGE, appeal.area_code)
    _pending(appeal)
    evidence = (evidence or "").strip()
    if not evidence:
        raise ValidationFailed(_("Give the evidence."), field="evidence")
    with transaction.atomic():
        before = appeal.evidence
        appeal.evidence = evidence
        appeal.save(update_fields=["evidence", "updated_at"])
        audit_record(actor=actor, action=APPEAL_CHANGED, obj=appeal, area_code=appeal.area_code,
                     before={"evidence": before}, after={"evidence": evidence})
    return appeal


def appeal_attach(*, actor, appeal: Appeal, file, description: str = "") -> AppealEvidence:
    require(actor, Action.CHANGE, appeal.area_code)
    _pending(appeal)
    with transaction.atomic():
        item = AppealEvidence.objects.create(appeal=appeal, file=file, description=description[:200],
                                             uploaded_by=actor)
        audit_record(actor=actor, action=APPEAL_CHANGED, obj=appeal, area_code=appeal.area_code,
                     after={"file": item.file.name, "description": item.description})
    return item


def appeal_withdraw(*, actor, appeal: Appeal) -> None:
    require(actor, Action.CHANGE, appeal.area_code)
    _pending(appeal)
    with transaction.atomic():
        audit_record(actor=actor, action=APPEAL_WITHDRAWN, obj=appeal, area_code=appeal.area_code,
                     before={"finding": appeal.finding, "evidence": appeal.evidence})
        appeal.delete()


def appeal_decide(*, actor, appeal: Appeal, uphold: bool, note: str) -> Appeal:
    """Uphold (the finding is reversed: the figures and the verdict change) or reject an appeal."""
    evaluation = appeal.entry.evaluation
    require(actor, Action.APPROVE, evaluation.area_id)
    _pending(appeal)
    if appeal.filed_by_id == actor.pk:
        raise PermissionDenied(_("The person who filed an appeal cannot decide it."))
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_("Give the reason for the decision."), field="note")
    with transaction.atomic():
        before = figures_module.compute(evaluation)["verdict"]
        appeal.status = Appeal.Status.UPHELD if uphold else Appeal.Status.REJECTED
        appeal.decided_by, appeal.decided_at, appeal.decision_note = actor, timezone.now(), note[:500]
        appeal.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
        after = figures_module.compute(evaluation)["verdict"]
        audit_record(actor=actor, action=APPEAL_DECIDED, obj=appeal, area_code=appeal.area_code,
                     before={"status": Appeal.Status.PENDING, "verdict": before},
                     after={"status": appeal.status, "note": appeal.decision_note, "verdict": after})
    return appeal


# Roster surveys (漏评 / 漏监测 from the full household roster) ------------------------------------------------------
NOT_REGISTERED = {cl.ORDINARY, "9"}  # 一般农户 and removed households are not in the 建档立卡 register


def _roster_frame(county, year: int) -> tuple[list[VillageFrame], dict]:
    rows = RosterHousehold.objects.filter(within_area("village_id", county), year=year).values_list(
        "village_id", "number", "id")
    villages: dict[str, list[str]] = {}
    ids = {}
    for village, number, pk in rows:
        villages.setdefault(village, []).append(number)
        ids[(village, number)] = pk
    return [VillageFrame(code, (), tuple(numbers)) for code, numbers in villages.items()], ids


def roster_survey_create(*, actor, area_code: str, year: int, seed: int, households_per_village: int,
                         villages: int | None = None) -> RosterSurvey:
    """Draw a sample from the county's imported rosters of `year` (reproducible from `seed`): villages by SRSWOR,
    then `households_per_village` roster households by SRSWOR in each. Each entry keeps whether the registry had
    the household registered and in monitoring when drawn. The same county, year and seed give the survey already
    drawn (a re-run creates nothing)."""
    county = area_by_code(area_code)
    require(actor, Action.APPROVE, county.code)
    if county.level != codes.Level.COUNTY:
        raise ValidationFailed(_("An evaluation is of a county; %(code)s is not one."), field="area",
                               code=county.code)
    if villages is not None and villages < 1:
        raise ValidationFailed(_("Sample at least one village."), field="villages")
    if households_per_village < 1:
        raise ValidationFailed(_("Sample at least one household per village."), field="households_per_village")
    existing = RosterSurvey.objects.filter(area=county, year=year, seed=seed).first()
    if existing is not None:
        return existing
    frame, ids = _roster_frame(county, year)
    if not frame:
        raise ValidationFailed(_("No village of %(area)s has a household roster for %(year)s."), field="year",
                               area=county.name, year=year)
    sample = draw(frame, seed=seed, villages_wanted=villages, ordinary_per_village=households_per_village)
    by_code = {village.code: village for village in frame}
    drawn_ids = [ids[(item.village, item.household)] for item in sample.households]
    state = {pk: (status, category, risk) for pk, status, category, risk in RosterHousehold.objects.filter(
        pk__in=drawn_ids).values_list("pk", "household__status", "household__monitoring_category",
                                      "household__risk_status")}
    with transaction.atomic():
        survey = RosterSurvey.objects.create(area=county, year=year, seed=seed, villages_requested=villages,
                                             households_per_village=households_per_village,
                                             villages_total=sample.villages_total, created_by=actor)
        sampled = {code: RosterVillage.objects.create(
            survey=survey, area_id=code, roster_households=len(by_code[code].ordinary),
            sampled=min(households_per_village, len(by_code[code].ordinary))) for code in sample.villages}
        entries = []
        for position, (item, pk) in enumerate(zip(sample.households, drawn_ids, strict=True), start=1):
            status, category, risk = state[pk]
            entries.append(RosterEntry(
                survey=survey, village=sampled[item.village], roster_id=pk, area_code=item.village,
                position=position, registered=status is not None and status not in NOT_REGISTERED,
                monitored=bool(category) and risk != "2",
                weight=(Decimal(item.weight.numerator) / Decimal(item.weight.denominator)).quantize(
                    WEIGHT_PLACES, rounding=ROUND_HALF_UP)))
        RosterEntry.objects.bulk_create(entries)
        audit_record(actor=actor, action=ROSTER_SURVEY_CREATED, obj=survey, area_code=county.code,
                     after={"year": year, "seed": seed, "villages": villages,
                            "households_per_village": households_per_village,
                            "villages_total": sample.villages_total, "villages_sampled": list(sample.villages),
                            "households": len(entries)})
    return survey


def roster_finding_record(*, actor, entry: RosterEntry, should_register: bool, should_monitor: bool,
                          surveyed_on: datetime.date | None = None) -> RosterEntry:
    """What the surveyors found on a drawn roster household: should it be registered, should it be monitored."""
    require(actor, Action.APPROVE, entry.area_code)
    if not isinstance(should_register, bool) or not isinstance(should_monitor, bool):
        raise ValidationFailed(_("Answer yes or no."), field="should_register")
    surveyed_on = fact_date(surveyed_on, field="surveyed_on", label=_("survey date"))
    before = {"should_register": entry.should_register, "should_monitor": entry.should_monitor}
    with transaction.atomic():
        entry.should_register, entry.should_monitor = should_register, should_monitor
        entry.surveyed_on, entry.recorded_by = surveyed_on, actor
        entry.save(update_fields=["should_register", "should_monitor", "surveyed_on", "recorded_by"])
        audit_record(actor=actor, action=ROSTER_FINDING_RECORDED, obj=entry, area_code=entry.area_code,
                     before=before, after={"should_register": should_register, "should_monitor": should_monitor,
                                           "surveyed_on": surveyed_on})
    return entry
