"""Running procedures: cases move step by step, each decision checked (right step, right level and role,
evidence, notice period run, no open objection) and written to the insert-only ledger. Completing the last step
changes the household's, village's or county's status through their own services, with the case as evidence."""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.areas import services as area_services
from fupin.areas.models import Area, AreaDesignation
from fupin.audit import registry as audit_registry
from fupin.audit.services import audit_record
from fupin.core.areacodes import Level
from fupin.core.errors import Conflict, PermissionDenied, ValidationFailed
from fupin.core.temporal import current_history, fact_date, not_before, witnessed_date
from fupin.quality import selectors as quality_selectors
from fupin.registry import codelists as cl
from fupin.registry import services as registry_services
from fupin.registry.models import Household
from fupin.rules import evaluation
from fupin.rules.policy import YearPolicy

from .models import Batch, Case, Decision, Notice, Objection, Procedure, ProcedureStep
from .notices import render_notice
from .permissions import Standing, may_act

CASE_STARTED = audit_registry.register("workflows.case_started", _("started a procedure"))
DECIDED = audit_registry.register("workflows.decided", _("decided a procedure step"))
NOTICE_PUBLISHED = audit_registry.register("workflows.notice_published", _("published a notice"))
OBJECTION_RECORDED = audit_registry.register("workflows.objection_recorded", _("recorded an objection"))
OBJECTION_RESOLVED = audit_registry.register("workflows.objection_resolved", _("resolved an objection"))

COMPARISON_STEP = "comparison"  # 信息比对: approving it needs the household clear of exclusion findings
POOR_VILLAGE = ("poor_village",)
POOR_COUNTY = ("poor_county", "key_county", "contiguous_area_county")


def _started_on(on) -> datetime.date:
    """A case starts from its application or risk clue: a fact's date (today when not given), never future."""
    return fact_date(on, field="on", label=_("case start date"))


def _decided_on(on) -> datetime.date:
    """A decision is taken in the system: today (a past date only in 补录)."""
    return witnessed_date(on, field="on", label=_("decision date"))


def _latest_step(case: Case) -> tuple[datetime.date, object]:
    """The date of the case's latest step so far and what it was (its start, a decision, a notice): the next
    step is not dated before it."""
    latest = (case.started_on, _("the case's start"))
    decided = case.decisions.aggregate(day=Max("decided_on"))["day"]
    if decided is not None and decided >= latest[0]:
        latest = (decided, _("the case's last decision"))
    published = case.notices.aggregate(day=Max("published_on"))["day"]
    if published is not None and published >= latest[0]:
        latest = (published, _("the case's last notice"))
    return latest


def _not_before_latest_step(case: Case, on: datetime.date, *, label) -> None:
    earlier, earlier_label = _latest_step(case)
    not_before(on, earlier, field="on", label=label, earlier_label=earlier_label)


# Starting ----------------------------------------------------------------------------------------------------
def _subject_checks(procedure: Procedure, *, household: Household | None, area: Area, year: int,
                    params: dict) -> None:
    """Refuse a case the rules say cannot succeed, with the rule's reasons."""
    effect = procedure.effect
    if procedure.subject == Procedure.Subject.HOUSEHOLD and household is None:
        raise ValidationFailed(_("This procedure is for a household."), field="household")
    if procedure.subject == Procedure.Subject.VILLAGE and area.level != Level.VILLAGE:
        raise ValidationFailed(_("This procedure is for a village."), field="area")
    if procedure.subject == Procedure.Subject.COUNTY and area.level != Level.COUNTY:
        raise ValidationFailed(_("This procedure is for a county."), field="area")
    if effect == "household_identified" and household.status not in {"5", cl.ORDINARY}:
        raise ValidationFailed(_("Only a newly identified (新识别) or ordinary household can be identified."),
                               field="household")
    if effect == "household_exit":
        _refuse_with_reasons(_household_exit_reasons(household, year))
    if effect in {"village_exit", "county_exit"}:
        types = POOR_VILLAGE if effect == "village_exit" else POOR_COUNTY
        if not _designations(area, types, year).exists():
            raise ValidationFailed(_("%(name)s is not a designated poor area in %(year)s."), field="area",
                                   name=area.name, year=year)
        _refuse_with_reasons(_area_exit_reasons(area, year))
    if effect == "monitoring_identified" and params.get("category") not in cl.MONITORING_CATEGORY.values:
        raise ValidationFailed(_("Give the monitoring category (1, 2 or 3)."), field="category")


def _refuse_with_reasons(reasons) -> None:
    if reasons:
        raise ValidationFailed(_("The rules are not met: %(reasons)s"), field="rules",
                               reasons="; ".join(r.as_dict()["message"] for r in reasons))


def _household_exit_reasons(household: Household, year: int):
    policy = YearPolicy.load(year)
    rows = list(evaluation.household_exits(year=year, households=Household.objects.filter(pk=household.pk),
                                           policy=policy))
    if not rows:
        return [evaluation.Reason("poor_in_year", _("The household is not poor at the end of %(year)s."),
                                  {"year": year})]
    return rows[0].reasons


def _area_exit_reasons(area: Area, year: int):
    level = "village" if area.level == Level.VILLAGE else "county"
    verdicts = evaluation.area_exits(level=level, year=year, visible=Area.objects.filter(code=area.code))
    if not verdicts:
        return [evaluation.Reason("poor_in_year", _("%(name)s is not evaluated for %(year)s."),
                                  {"name": area.name, "year": year})]
    return verdicts[0].reasons


def _designations(area: Area, types, year: int):
    return AreaDesignation.objects.filter(area=area, designation_type_id__in=types, year__lte=year,
                                          exit_year__isnull=True)


def _procedure(code: str) -> Procedure:
    """The procedure of a code a user sent (an unknown code is a 400 naming it, not a server error)."""
    procedure = Procedure.objects.filter(code=code).first()
    if procedure is None:
        raise ValidationFailed(_("There is no procedure “%(code)s”."), field="procedure", code=code)
    return procedure


def case_start(*, actor, procedure_code: str, year: int, household: Household | None = None,
               area: Area | None = None, params: dict | None = None, batch: Batch | None = None,
               on: datetime.date | None = None, resubmission_of: Case | None = None) -> Case:
    procedure = _procedure(procedure_code)
    area = household.area if household is not None else area
    first = procedure.steps_in_order()[0]
    if not may_act(actor, first, area.code):
        raise PermissionDenied()
    on = _started_on(on)
    if resubmission_of is not None:
        not_before(on, resubmission_of.finished_on, field="on", label=_("case start date"),
                   earlier_label=_("the rejection of the case resubmitted"))
    if procedure.effect == "risk_eliminated" and household is not None:
        not_before(on, household.monitoring_since, field="on", label=_("case start date"),
                   earlier_label=_("the household's identification for monitoring"))
    params = params or {}
    _subject_checks(procedure, household=household, area=area, year=year, params=params)
    open_cases = Case.objects.filter(procedure=procedure, status=Case.Status.OPEN, area=area, household=household)
    if open_cases.exists():
        raise Conflict(_("This procedure is already under way for %(subject)s."),
                       subject=household.number if household else area.name)
    with transaction.atomic():
        case = Case.objects.create(procedure=procedure, batch=batch, household=household, area=area, year=year,
                                   params=params, current_step=first, started_on=on, created_by=actor,
                                   resubmission_of=resubmission_of)
        audit_record(actor=actor, action=CASE_STARTED, obj=case, area_code=area.code,
                     after={"procedure": procedure.code, "year": year, "household": household.number if household
                            else None, "params": params, "resubmission_of": resubmission_of.pk if resubmission_of
                            else None})
    return case


def batch_start(*, actor, procedure_code: str, area: Area, year: int, title: str,
                households: Iterable[Household] = (), areas: Iterable[Area] = (),
                on: datetime.date | None = None) -> tuple[Batch, list[tuple[object, str]]]:
    """A list submitted together. Subjects the rules refuse are reported, not started: (subject, reason)."""
    require(actor, Action.CHANGE, area.code)
    on = _started_on(on)  # a wrong date refuses the whole list, not each case
    procedure = _procedure(procedure_code)
    refused = []
    with transaction.atomic():
        batch = Batch.objects.create(procedure=procedure, area=area, year=year, title=title, created_by=actor)
        for subject in [*households, *areas]:
            try:
                with transaction.atomic():
                    case_start(actor=actor, procedure_code=procedure_code, year=year, batch=batch, on=on,
                               household=subject if isinstance(subject, Household) else None,
                               area=subject if isinstance(subject, Area) else None)
            except (ValidationFailed, Conflict, PermissionDenied) as exc:
                refused.append((subject, str(exc)))
    return batch, refused


def case_resubmit(*, actor, case: Case, on: datetime.date | None = None) -> Case:
    """Start again after a rejection; the new case points at the rejected one."""
    if case.status != Case.Status.REJECTED:
        raise ValidationFailed(_("Only a rejected case can be resubmitted."), field="case")
    return case_start(actor=actor, procedure_code=case.procedure.code, year=case.year, household=case.household,
                      area=case.area, params=case.params, batch=case.batch, on=on, resubmission_of=case)


# Deciding ----------------------------------------------------------------------------------------------------
def _check_notice(case: Case, step: ProcedureStep, on: datetime.date) -> None:
    """The step's notice is published, its period has run by `on` — counted from the publication the system
    recorded (a notice entered as history: from its stated date), so outside 补录, where `on` is today, it has
    run in real time — and no objection to the case is open. Messages stay lazy: a batch reports them in the
    reader's language."""
    if not step.notice:
        return
    notices = list(case.notices.filter(step=step))
    if not notices:
        raise ValidationFailed(_("The %(step)s notice has not been published."), field="notice", step=step.name_zh)
    start = min(notice.period_starts_on for notice in notices)
    end = start + datetime.timedelta(days=step.notice_min_days)
    if on < end:
        raise ValidationFailed(_("The notice runs %(days)s days from %(start)s; decide on or after %(end)s."),
                               field="notice", days=step.notice_min_days, start=start, end=end)
    if Objection.objects.filter(case=case, notice__step=step, resolution="").exists():
        raise ValidationFailed(_("An objection to this case is not resolved yet."), field="notice")


def case_decide(*, actor, case: Case, step_code: str, outcome: str, comment: str = "",
                evidence: Iterable[str] = (), on: datetime.date | None = None) -> Decision:
    """Decide the case's current step. Any other step — skipped ahead, already done, or a higher level acting
    before the lower one has — is refused. The decision's date is today (a past date only in 补录) and not
    before the case's latest step."""
    on = _decided_on(on)
    evidence = list(evidence)
    if case.status != Case.Status.OPEN:
        raise Conflict(_("This case is closed (%(status)s)."), status=case.get_status_display())
    step = case.current_step
    if step.code != step_code:
        raise ValidationFailed(_("“%(asked)s” is not the current step; the case is at “%(current)s”."),
                               field="step", asked=step_code, current=step.name_zh)
    if not may_act(actor, step, case.area_id):
        raise PermissionDenied()
    if outcome not in Decision.Outcome.values:
        raise ValidationFailed(_("Decide “approve” or “reject”."), field="outcome")
    _not_before_latest_step(case, on, label=_("decision date"))
    if outcome == Decision.Outcome.APPROVE:
        if step.code == COMPARISON_STEP and case.household_id:
            blocking = quality_selectors.exclusions(case.household)
            if blocking:
                raise ValidationFailed(_("Cross-department comparison excludes this household: %(findings)s"),
                                       field="step", findings="; ".join(f.message for f in blocking))
        if step.needs_evidence and not evidence:
            raise ValidationFailed(_("This step needs evidence (e.g. the signed acknowledgement)."),
                                   field="evidence")
        _check_notice(case, step, on)
    steps = case.procedure.steps_in_order()
    with transaction.atomic():
        decision = Decision.objects.create(case=case, step=step, outcome=outcome, actor=actor, role=step.role,
                                           comment=comment, evidence=evidence, decided_on=on)
        if outcome == Decision.Outcome.REJECT:
            case.status, case.finished_on = Case.Status.REJECTED, on
        elif step == steps[-1]:
            _apply_effect(actor, case, on)
            case.status, case.finished_on = Case.Status.COMPLETED, on
        else:
            case.current_step = steps[steps.index(step) + 1]
        case.save()
        audit_record(actor=actor, action=DECIDED, obj=case, area_code=case.area_id,
                     after={"step": step.code, "outcome": outcome, "comment": comment, "evidence": evidence,
                            "on": on, "status": case.status})
    return decision


def batch_decide(*, actor, batch: Batch, step_code: str, outcome: str, comment: str = "",
                 evidence: Iterable[str] = (), on: datetime.date | None = None) -> list[tuple[Case, str]]:
    """Decide the step for every open case of the batch that is at it. A case held back (an objection, its own
    notice not run) is reported and does not block the others: [(case, "" or the reason)]."""
    on = _decided_on(on)  # a wrong date refuses the whole batch, not each case
    results = []
    for case in batch.cases.filter(status=Case.Status.OPEN, current_step__code=step_code).order_by("id"):
        try:
            with transaction.atomic():
                case_decide(actor=actor, case=case, step_code=step_code, outcome=outcome, comment=comment,
                            evidence=evidence, on=on)
            results.append((case, ""))
        except (ValidationFailed, Conflict) as exc:
            results.append((case, str(exc)))
    return results


def _apply_effect(actor, case: Case, on: datetime.date) -> None:
    """The status change the procedure exists for, through the owning service, with the case as evidence."""
    effect = case.procedure.effect
    evidence = {"procedure": case.procedure.code, "case": case.pk}
    authority = case.current_step.action  # the last step's decider acts with the authority the procedure gives it
    reason = f"{case.procedure.name_zh} #{case.pk}"
    if case.household is not None:
        household = Household.objects.get(pk=case.household_id)  # fresh version
    if effect == "household_identified":
        registry_services.household_transition(actor=actor, household=household, version=household.version,
                                               to_status="0", effective_date=on, reason=reason, evidence=evidence,
                                               action=authority, year=case.year)
    elif effect == "household_exit":
        _refuse_with_reasons(_household_exit_reasons(household, case.year))
        registry_services.household_transition(actor=actor, household=household, version=household.version,
                                               to_status="1", effective_date=on, reason=reason, evidence=evidence,
                                               action=authority, year=case.year)
    elif effect in {"village_exit", "county_exit"}:
        _refuse_with_reasons(_area_exit_reasons(case.area, case.year))
        types = POOR_VILLAGE if effect == "village_exit" else POOR_COUNTY
        for designation in _designations(case.area, types, case.year):
            area_services.designation_save(actor=actor, area=case.area,
                                           designation_type=designation.designation_type, year=designation.year,
                                           exit_year=case.year, instance=designation, action=authority)
    elif effect == "monitoring_identified":
        registry_services.household_update(actor=actor, household=household, version=household.version, changes={
            "monitoring_category": case.params["category"], "monitoring_since": on, "risk_status": "1"},
            action=authority)
    elif effect == "risk_eliminated":
        _refuse_with_reasons(evaluation.risk_elimination(household=household, year=case.year, as_of=on))
        registry_services.household_update(actor=actor, household=household, version=household.version,
                                           changes={"risk_status": "2"}, action=authority)
    else:
        raise ValidationFailed(_("Unknown procedure effect “%(effect)s”."), field="effect", effect=effect)


# Notices and objections ---------------------------------------------------------------------------------------
def notice_publish(*, actor, cases: list[Case], step_code: str, publisher: str, objection_contact: str = "",
                   on: datetime.date | None = None, language: str = "zh-hans") -> Notice:
    """Publish the notice of a step for cases that are at it: HTML and PDF, listing no ID numbers, phones,
    bank accounts or health details. The notice's date is today (a past date only in 补录, where the period runs
    from it); the system records when it was published, and the period runs from that."""
    on = witnessed_date(on, field="on", label=_("notice date"))
    if not cases:
        raise ValidationFailed(_("A notice lists at least one case."), field="cases")
    step = cases[0].current_step
    if step is None or step.code != step_code or not step.notice:
        raise ValidationFailed(_("This step has no notice to publish."), field="step")
    standing = Standing(actor)
    for case in cases:
        if case.status != Case.Status.OPEN or case.current_step_id != step.pk:
            raise ValidationFailed(_("Case %(case)s is not at this step."), field="cases", case=case.pk)
        if not standing.may_act(step, case.area_id):
            raise PermissionDenied()
        _not_before_latest_step(case, on, label=_("notice date"))
    ends_on = on + datetime.timedelta(days=step.notice_min_days)
    html, pdf, title = render_notice(step=step, cases=cases, published_on=on, ends_on=ends_on, publisher=publisher,
                                     objection_contact=objection_contact, language=language)
    with transaction.atomic():
        notice = Notice.objects.create(step=step, kind=step.notice, title=title, published_on=on, ends_on=ends_on,
                                       published_at=timezone.now(), entered_as_history=current_history() is not None,
                                       publisher=publisher, objection_contact=objection_contact, html=html,
                                       created_by=actor)
        notice.cases.set(cases)
        notice.pdf.save(f"notice-{notice.pk}.pdf", pdf, save=True)
        audit_record(actor=actor, action=NOTICE_PUBLISHED, obj=notice, area_code=cases[0].area_id,
                     after={"step": step.code, "cases": [c.pk for c in cases], "published_on": on,
                            "published_at": notice.published_at, "entered_as_history": notice.entered_as_history,
                            "ends_on": ends_on})
    return notice


def objection_record(*, actor, notice: Notice, case: Case, content: str, raised_by: str = "",
                     received_on: datetime.date | None = None) -> Objection:
    """An objection received while the public notice runs — its period counted from the publication the system
    recorded. The date received is today (a past date only in 补录)."""
    received_on = witnessed_date(received_on, field="received_on", label=_("date the objection was received"))
    require(actor, Action.CHANGE, case.area_id)
    if not notice.cases.filter(pk=case.pk).exists():
        raise ValidationFailed(_("This case is not on this notice."), field="case")
    if notice.kind != "gongshi" or received_on > notice.period_ends_on:
        raise ValidationFailed(_("Objections are taken during a public notice's period (until %(end)s)."),
                               field="received_on", end=notice.period_ends_on)
    if received_on < notice.period_starts_on:
        raise ValidationFailed(_("Objections are taken during a public notice's period, which starts on "
                                 "%(start)s."), field="received_on", start=notice.period_starts_on)
    with transaction.atomic():
        objection = Objection.objects.create(notice=notice, case=case, content=content, raised_by=raised_by,
                                             received_on=received_on)
        audit_record(actor=actor, action=OBJECTION_RECORDED, obj=objection, area_code=case.area_id,
                     after={"case": case.pk, "notice": notice.pk, "received_on": received_on})
    return objection


def objection_resolve(*, actor, objection: Objection, resolution: str, note: str,
                      on: datetime.date | None = None) -> Objection:
    """Upheld: the case is rejected at its step (it may be resubmitted). Dismissed: the case may go on. The
    resolution's date is today (a past date only in 补录), not before the objection was received."""
    on = witnessed_date(on, field="on", label=_("resolution date"))
    case = objection.case
    step = objection.notice.step
    if not may_act(actor, step, case.area_id):
        raise PermissionDenied()
    if objection.resolution:
        raise Conflict(_("This objection is already resolved."))
    if resolution not in {Objection.Resolution.UPHELD, Objection.Resolution.DISMISSED}:
        raise ValidationFailed(_("Resolve as “upheld” or “dismissed”."), field="resolution")
    if not note.strip():
        raise ValidationFailed(_("Say what was found."), field="note")
    not_before(on, objection.received_on, field="on", label=_("resolution date"),
               earlier_label=_("the date the objection was received"))
    with transaction.atomic():
        objection.resolution, objection.resolution_note = resolution, note
        objection.resolved_by, objection.resolved_on = actor, on
        objection.save()
        if resolution == Objection.Resolution.UPHELD and case.status == Case.Status.OPEN:
            Decision.objects.create(case=case, step=case.current_step, outcome=Decision.Outcome.REJECT, actor=actor,
                                    role=step.role, comment=f"异议成立: {note}", decided_on=on)
            case.status, case.finished_on = Case.Status.REJECTED, on
            case.save()
        audit_record(actor=actor, action=OBJECTION_RESOLVED, obj=objection, area_code=case.area_id,
                     after={"resolution": resolution, "note": note, "case_status": case.status})
    return objection


# Procedure definitions (administrators) ------------------------------------------------------------------------------
PROCEDURE_SAVED = audit_registry.register("workflows.procedure_saved", _("changed a procedure definition"))


def procedure_save(*, actor, procedure: Procedure, steps: Iterable[ProcedureStep] = ()) -> Procedure:
    """Save a procedure and its steps (edited in the admin), audited with the resulting definition."""
    require(actor, Action.ADMINISTER, "000000000000")
    with transaction.atomic():
        procedure.save()
        for step in steps:
            step.procedure = procedure
            step.save()
        audit_record(actor=actor, action=PROCEDURE_SAVED, obj=procedure, after={
            "code": procedure.code, "max_days": procedure.max_days,
            "steps": [[s.order, s.code, s.level, s.action, s.role, s.notice, s.notice_min_days, s.needs_evidence]
                      for s in procedure.steps_in_order()]})
    return procedure
