"""Early warning (防返贫监测预警): scans raise warnings and give each a home-visit task; a completed visit either
confirms the risk (the monitoring-identification procedure starts, through the workflows service) or closes
the warning with the reason; disasters are recorded for the areas they hit.

Scanning needs `change` in the area (it writes warnings and tasks); completing or assigning a task needs `change`
in the household's village, and opening the case needs what the procedure's first step needs (workflows).
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import everywhere, require
from fupin.areas.selectors import area_by_code, subtree
from fupin.assistance import services as assistance_services
from fupin.assistance.models import Responsibility
from fupin.audit import registry as audit_registry
from fupin.audit.services import audit_record
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.core.sql import chunked
from fupin.core.temporal import fact_date, not_before
from fupin.registry import codelists as cl
from fupin.registry.models import Household
from fupin.rules import evaluation
from fupin.rules.policy import YearPolicy
from fupin.workflows import services as workflow_services
from fupin.workflows.models import Case

from .checks import CHECKS, Hit, Scope
from .models import DISASTER_KIND, Disaster, RiskWarning, TaskOutcome, TaskStatus, VisitTask, WarningRule, WarningStatus

WARNINGS_RUN = audit_registry.register("monitoring.warnings_run", _("ran the early-warning scan"))
TASK_ASSIGNED = audit_registry.register("monitoring.task_assigned", _("assigned a home-visit task"))
TASK_COMPLETED = audit_registry.register("monitoring.task_completed", _("completed a home-visit task"))
DISASTER_RECORDED = audit_registry.register("monitoring.disaster_recorded", _("recorded a disaster"))

IDENTIFICATION = "monitoring_identification"
TASK_DAYS = "monitoring_visit_task_days"
MONITORABLE = cl.EXITED_STATUSES | {cl.ORDINARY}


def monitorable_households():
    """Households a warning may concern: out of poverty (脱贫户) or ordinary (一般农户), not removed, and not
    already monitored with their risk not yet eliminated (those are followed by their own procedure)."""
    return Household.objects.filter(status__in=MONITORABLE).exclude(~Q(monitoring_category="")
                                                                    & ~Q(risk_status="2"))


def _scope_households(actor, area_code: str | None):
    households = monitorable_households()
    if area_code:
        area = area_by_code(area_code)
        require(actor, Action.CHANGE, area.code)
        households, code = subtree(households, area), area.code
    else:
        if not everywhere(actor, Action.CHANGE):
            raise PermissionDenied()
        code = ""
    return code, households.scoped(actor, Action.CHANGE)


def _rules(codes: list[str] | None) -> list[WarningRule]:
    if not codes:
        return list(WarningRule.objects.filter(enabled=True))
    rules = list(WarningRule.objects.filter(code__in=codes))
    missing = set(codes) - {rule.code for rule in rules}
    if missing:
        raise ValidationFailed(_("Unknown warning rules: %(codes)s."), field="rules", codes=", ".join(sorted(missing)))
    return rules


@dataclass
class WarningRun:
    """What a scan did: the warnings it raised (each with its task) and counts by rule."""

    year: int
    on: datetime.date
    area_code: str
    warnings: list[RiskWarning] = field(default_factory=list)
    counts: dict = field(default_factory=dict)  # rule -> {"found", "new"}
    unassigned: int = 0


def _live(rules: list[WarningRule], households) -> set[tuple[int, str]]:
    """(household, rule) of warnings still being dealt with: open, or confirmed with their case still open."""
    rows = RiskWarning.objects.filter(rule__in=rules, household__in=households).filter(
        Q(status=WarningStatus.OPEN) | Q(status=WarningStatus.CONFIRMED, task__case__status=Case.Status.OPEN))
    return set(rows.values_list("household_id", "rule_id"))


def _cadres(household_ids: list[int], on: datetime.date) -> dict[int, int]:
    """Each household's responsible cadre on `on` (the latest started of those serving)."""
    cadres: dict[int, int] = {}
    for chunk in chunked(household_ids, 500):
        serving = Responsibility.objects.filter(household_id__in=chunk, start_date__lte=on).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on)).order_by("household_id", "start_date", "id")
        cadres.update(serving.values_list("household_id", "cadre_id"))
    return cadres


def _deadlines(provinces: set[str], on: datetime.date) -> dict[str, datetime.date]:
    policy = YearPolicy.load(on.year)
    deadlines = {}
    for province in sorted(provinces):
        days = policy.parameter(TASK_DAYS, province)
        if days is None:
            raise ValidationFailed(_("No visit deadline (policy parameter %(code)s) applies in %(year)s to province "
                                     "%(province)s."), field="on", code=TASK_DAYS, year=on.year, province=province)
        deadlines[province] = on + datetime.timedelta(days=int(days))
    return deadlines


def warnings_run(*, actor, year: int, area_code: str | None = None, on: datetime.date | None = None,
                 rules: list[str] | None = None) -> WarningRun:
    """Run the warning rules over the monitorable households of the area (everywhere the actor may change if
    none) for `year` as of `on` (default today). A household already warned by a rule, with the warning still
    being dealt with, is not warned again by it; every new warning gets a home-visit task. The scan's day is the
    date of the warnings it raises: a fact's date, never in the future."""
    on = fact_date(on, field="on", label=_("scan date"))
    code, households = _scope_households(actor, area_code)
    chosen = _rules(rules)
    scope = Scope(year=year, on=on, households=households, policy=YearPolicy.load(year))
    hits: dict[tuple[int, str], Hit] = {}
    run = WarningRun(year=year, on=on, area_code=code)
    for rule in chosen:
        found = 0
        for hit in CHECKS[rule.check_name](rule, scope):
            if (hit.household_id, rule.code) not in hits:
                hits[(hit.household_id, rule.code)] = hit
                found += 1
        run.counts[rule.code] = {"found": found, "new": 0}
    live = _live(chosen, households)
    fresh = [(key, hit) for key, hit in sorted(hits.items()) if key not in live]
    deadlines = _deadlines({hit.area_code[:2] for _key, hit in fresh}, on) if fresh else {}
    cadres = _cadres(sorted({key[0] for key, _hit in fresh}), on)
    with transaction.atomic():
        warnings = RiskWarning.objects.bulk_create([RiskWarning(
            rule_id=rule_code, household_id=household_id, area_code=hit.area_code, year=year, raised_on=on,
            message=hit.text("zh-hans")[:300], message_en=hit.text("en")[:300], values=hit.values,
            category=hit.category, raised_by=actor) for (household_id, rule_code), hit in fresh], batch_size=2000)
        tasks = VisitTask.objects.bulk_create([VisitTask(
            warning=warning, household_id=warning.household_id, area_code=warning.area_code,
            cadre_id=cadres.get(warning.household_id), due_on=deadlines[warning.area_code[:2]])
            for warning in warnings], batch_size=2000)
        for warning, task in zip(warnings, tasks, strict=True):
            warning.task = task
            run.counts[warning.rule_id]["new"] += 1
            run.unassigned += task.cadre_id is None
        run.warnings = warnings
        audit_record(actor=actor, action=WARNINGS_RUN, object_type="monitoring.scan",
                     object_id=f"{code or '*'}/{year}", area_code=code,
                     after={"year": year, "on": on, "rules": [r.code for r in chosen], "counts": run.counts,
                            "unassigned": run.unassigned})
    return run


# Tasks -------------------------------------------------------------------------------------------------------------
def task_assign(*, actor, task: VisitTask, cadre) -> VisitTask:
    """Give a task (unassigned, or its cadre gone) to a cadre."""
    require(actor, Action.CHANGE, task.area_code)
    if task.status != TaskStatus.OPEN:
        raise ValidationFailed(_("This task is already done."), field="status")
    with transaction.atomic():
        before = task.cadre_id
        task.cadre = cadre
        task.save(update_fields=["cadre", "updated_at"])
        audit_record(actor=actor, action=TASK_ASSIGNED, obj=task, area_code=task.area_code,
                     before={"cadre": before}, after={"cadre": cadre.pk})
    return task


def _category(task: VisitTask, given: str, year: int) -> str:
    """The category asked for, else the one the warning suggested, else the rules' evaluation of the year."""
    if given:
        return given
    if task.warning.category:
        return task.warning.category
    verdicts = evaluation.monitoring_categories(year=year, households=Household.objects.filter(pk=task.household_id))
    for verdict in verdicts:
        return verdict.category
    raise ValidationFailed(_("The rules give no monitoring category for this household: give one (1, 2 or 3)."),
                           field="category")


def task_complete(*, actor, task: VisitTask, confirmed: bool, visited_on: datetime.date, notes: str = "",
                  reason: str = "", category: str = "", photos=(), latitude=None, longitude=None) -> VisitTask:
    """Record the visit (through the assistance visit service, by the task's cadre). Risk confirmed: the
    monitoring-identification case opens at its first step (or, if one is already under way for the household,
    the task joins it). Not confirmed: the warning closes with the reason. The visit's date is a fact's date
    (never in the future) and not before the warning it answers; the case starts on it."""
    require(actor, Action.CHANGE, task.area_code)
    if task.status != TaskStatus.OPEN:
        raise ValidationFailed(_("This task is already done."), field="status")
    if task.cadre_id is None:
        raise ValidationFailed(_("Assign the task to a cadre before recording the visit."), field="cadre")
    reason = reason.strip()
    if not confirmed and not reason:
        raise ValidationFailed(_("Say why the risk is not confirmed."), field="reason")
    warning = task.warning
    visited_on = fact_date(visited_on, field="visited_on", label=_("visit date"), default_today=False)
    if visited_on is None:
        raise ValidationFailed(_("Give the date of the visit."), field="visited_on")
    not_before(visited_on, warning.raised_on, field="visited_on", label=_("visit date"),
               earlier_label=_("the warning it answers"))
    with transaction.atomic():
        visit = assistance_services.record_save(actor=actor, kind="visit", data={
            "household": task.household, "cadre": task.cadre, "visited_on": visited_on,
            "notes": notes or warning.message, "photos": list(photos), "latitude": latitude,
            "longitude": longitude})
        case = None
        if confirmed:
            chosen = _category(task, category, visited_on.year)
            case = Case.objects.filter(procedure__code=IDENTIFICATION, household_id=task.household_id,
                                       status=Case.Status.OPEN).first()
            if case is None:
                case = workflow_services.case_start(actor=actor, procedure_code=IDENTIFICATION, year=visited_on.year,
                                                    household=task.household, params={"category": chosen},
                                                    on=visited_on)
            warning.status = WarningStatus.CONFIRMED
        else:
            warning.status, warning.closed_reason, warning.closed_on = WarningStatus.CLOSED, reason, visited_on
        warning.save(update_fields=["status", "closed_reason", "closed_on", "updated_at"])
        task.status, task.completed_on, task.completed_by = TaskStatus.DONE, visited_on, actor
        task.outcome = TaskOutcome.CONFIRMED if confirmed else TaskOutcome.NOT_CONFIRMED
        task.visit, task.case = visit, case
        task.save(update_fields=["status", "outcome", "completed_on", "completed_by", "visit", "case", "updated_at"])
        audit_record(actor=actor, action=TASK_COMPLETED, obj=task, area_code=task.area_code, after={
            "warning": warning.pk, "outcome": task.outcome, "visit": visit.pk, "case": case.pk if case else None,
            "reason": reason})
    return task


# Disasters ---------------------------------------------------------------------------------------------------------
def disaster_record(*, actor, area_code: str, kind: str, occurred_on: datetime.date, title: str) -> Disaster:
    """A disaster reported for an area (the next scans warn the households under it)."""
    area = area_by_code(area_code)
    require(actor, Action.CHANGE, area.code)
    code = DISASTER_KIND.lookup(kind)
    if code is None:
        raise ValidationFailed(_("Unknown kind of disaster “%(kind)s”."), field="kind", kind=kind)
    title = title.strip()
    if not title:
        raise ValidationFailed(_("Give the disaster a title."), field="title")
    if occurred_on > timezone.localdate():
        raise ValidationFailed(_("A disaster cannot be recorded before it happens."), field="occurred_on")
    if Disaster.objects.filter(area=area, kind=code, occurred_on=occurred_on).exists():
        raise ValidationFailed(_("This disaster is already recorded."), field="occurred_on")
    with transaction.atomic():
        disaster = Disaster.objects.create(area=area, kind=code, occurred_on=occurred_on, title=title[:200],
                                           recorded_by=actor)
        audit_record(actor=actor, action=DISASTER_RECORDED, obj=disaster, area_code=area.code,
                     after={"kind": code, "occurred_on": occurred_on, "title": disaster.title})
    return disaster
