"""Warnings, home-visit tasks and the monthly monitoring report as the areas see them (scoped to the actor)."""

import calendar
import datetime

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.areas.models import Area
from fupin.areas.selectors import area_by_code, subtree
from fupin.core.areacodes import Level
from fupin.core.errors import ValidationFailed
from fupin.workflows.models import Case

from .models import Disaster, RiskWarning, TaskStatus, VisitTask

IDENTIFICATION, ELIMINATION = "monitoring_identification", "risk_elimination"


def _within(queryset: QuerySet, area_code: str | None, field: str) -> QuerySet:
    return subtree(queryset, area_by_code(area_code), area_field=field) if area_code else queryset


def warning_list(*, actor, area_code: str | None = None, year: int | None = None, status: str | None = None,
                 rule: str | None = None) -> QuerySet[RiskWarning]:
    warnings = RiskWarning.objects.select_related("rule", "household", "task", "task__cadre").scoped(actor, Action.VIEW)
    warnings = _within(warnings, area_code, "area_code")
    if year:
        warnings = warnings.filter(year=year)
    if status:
        warnings = warnings.filter(status=status)
    if rule:
        warnings = warnings.filter(rule_id=rule)
    return warnings


def task_list(*, actor, area_code: str | None = None, overdue: bool = False, unassigned: bool = False,
              status: str | None = None, on: datetime.date | None = None) -> QuerySet[VisitTask]:
    """Tasks in the actor's areas; `overdue`: still to visit after their deadline on `on` (default today);
    `unassigned`: still to visit with no cadre (the household has no responsible cadre)."""
    tasks = VisitTask.objects.select_related("warning", "warning__rule", "household", "cadre", "case",
                                                       "case__current_step").scoped(actor, Action.VIEW)
    tasks = _within(tasks, area_code, "area_code")
    if status:
        tasks = tasks.filter(status=status)
    if overdue:
        tasks = tasks.filter(status=TaskStatus.OPEN, due_on__lt=on or timezone.localdate())
    if unassigned:
        tasks = tasks.filter(status=TaskStatus.OPEN, cadre__isnull=True)
    return tasks.order_by("due_on", "area_code", "id")


def disaster_list(*, actor, area_code: str | None = None) -> QuerySet[Disaster]:
    disasters = Disaster.objects.select_related("area").scoped(actor, Action.VIEW)
    return _within(disasters, area_code, "area")


def warning_contract(warning: RiskWarning) -> dict:
    """A warning as `fupin monitoring warnings --format json` prints it."""
    task = warning.task
    return {"id": warning.pk, "rule": warning.rule_id, "household": warning.household.number,
            "area": warning.area_code, "year": warning.year, "raised_on": warning.raised_on,
            "message": warning.text, "category": warning.category, "status": warning.status,
            "task": task.pk, "due_on": task.due_on, "cadre": task.cadre.name if task.cadre_id else None}


def task_contract(task: VisitTask) -> dict:
    """A task as `fupin monitoring tasks --format json` prints it."""
    return {"id": task.pk, "household": task.household.number, "area": task.area_code,
            "rule": task.warning.rule_id, "message": task.warning.text, "cadre": task.cadre.name if task.cadre_id
            else None, "due_on": task.due_on, "status": task.status, "outcome": task.outcome,
            "completed_on": task.completed_on, "case": task.case_id}


# The monthly report ---------------------------------------------------------------------------------------------------
FIGURES = ("warnings", "tasks_done", "tasks_done_late", "tasks_overdue", "cases_opened", "identified", "eliminated")


def parse_month(text: str) -> tuple[datetime.date, datetime.date]:
    try:
        year, month = (int(part) for part in str(text).split("-"))
        start = datetime.date(year, month, 1)
    except ValueError:
        raise ValidationFailed(_("“%(value)s” is not a month (YYYY-MM)."), field="month", value=text) from None
    return start, start.replace(day=calendar.monthrange(year, month)[1])


def _by_village(queryset: QuerySet, field: str, *extra: str) -> list[tuple]:
    return list(queryset.values_list(field, *extra).annotate(n=Count("id")).order_by())


def monitoring_report(*, actor, area_code: str, month: str) -> dict:
    """The month's monitoring in `area_code` by the areas one level below it (a village reports itself):

    - warnings: raised in the month, and `by_rule`;
    - tasks_done: visits made in the month (tasks_done_late: of which after the deadline);
    - tasks_overdue: tasks due by the month's end and not done by then;
    - cases_opened: monitoring identifications started in the month (from warnings or not);
    - identified: monitoring identifications completed in the month (households that became monitored);
    - eliminated: risk eliminations completed in the month.
    Every count is within the actor's areas."""
    start, end = parse_month(month)
    area = area_by_code(area_code)
    units = [area] if area.level == Level.VILLAGE else list(
        Area.objects.filter(parent=area).scoped(actor, Action.VIEW)
        .order_by("code"))
    empty = {name: 0 for name in FIGURES}
    rows = {unit.code: {"area": unit.code, "name": unit.name, **empty, "by_rule": {}} for unit in units}
    prefixes = sorted(((unit.prefix, unit.code) for unit in units), key=lambda pair: -len(pair[0]))

    def add(village: str, figure: str, n: int, rule: str | None = None) -> None:
        for prefix, code in prefixes:
            if village.startswith(prefix):
                rows[code][figure] += n
                if rule:
                    rows[code]["by_rule"][rule] = rows[code]["by_rule"].get(rule, 0) + n
                return

    warnings = warning_list(actor=actor, area_code=area.code).filter(raised_on__gte=start, raised_on__lte=end)
    for village, rule, n in _by_village(warnings, "area_code", "rule_id"):
        add(village, "warnings", n, rule)
    tasks = task_list(actor=actor, area_code=area.code)
    done = tasks.filter(completed_on__gte=start, completed_on__lte=end)
    for village, n in _by_village(done, "area_code"):
        add(village, "tasks_done", n)
    for village, n in _by_village(done.filter(completed_on__gt=F("due_on")), "area_code"):
        add(village, "tasks_done_late", n)
    overdue = tasks.filter(warning__raised_on__lte=end, due_on__lte=end).filter(
        Q(completed_on__isnull=True) | Q(completed_on__gt=end))
    for village, n in _by_village(overdue, "area_code"):
        add(village, "tasks_overdue", n)
    cases = _within(Case.objects.all().scoped(actor, Action.VIEW), area.code,
                    "area")
    opened = cases.filter(procedure__code=IDENTIFICATION, started_on__gte=start, started_on__lte=end)
    for village, n in _by_village(opened, "area_id"):
        add(village, "cases_opened", n)
    completed = cases.filter(status=Case.Status.COMPLETED, finished_on__gte=start, finished_on__lte=end)
    for village, n in _by_village(completed.filter(procedure__code=IDENTIFICATION), "area_id"):
        add(village, "identified", n)
    for village, n in _by_village(completed.filter(procedure__code=ELIMINATION), "area_id"):
        add(village, "eliminated", n)
    listed = [rows[unit.code] for unit in units]
    total = {name: sum(row[name] for row in listed) for name in FIGURES}
    by_rule: dict[str, int] = {}
    for row in listed:
        row["by_rule"] = dict(sorted(row["by_rule"].items()))
        for rule, n in row["by_rule"].items():
            by_rule[rule] = by_rule.get(rule, 0) + n
    total["by_rule"] = dict(sorted(by_rule.items()))
    return {"area": area.code, "name": area.name, "month": f"{start:%Y-%m}", "rows": listed, "total": total}
