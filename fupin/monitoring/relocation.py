"""Every relocated household at risk enters monitoring (易地搬迁后续扶持, issue 26): the relocated households of an
area with no member in work and not in monitoring (assistance's follow-up report) each get a warning of the rule
`relocated_at_risk` with its home-visit task, so the usual visit → identification procedure follows.

The rule is raised here, not by the scan (`warnings_run`), because the follow-up records live in assistance: the
rule row exists so warnings name it, and stays disabled so a scan never looks for a check of its name."""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.areas.selectors import area_by_code
from fupin.assistance import selectors as assistance_selectors
from fupin.assistance.models import Responsibility
from fupin.audit import registry as audit_registry
from fupin.audit.services import audit_record
from fupin.core.errors import ValidationFailed
from fupin.core.temporal import fact_date
from fupin.registry import codelists as cl
from fupin.rules.policy import YearPolicy

from .models import RiskWarning, VisitTask, WarningRule, WarningSource, WarningStatus
from .services import MONITORABLE, TASK_DAYS

RULE = "relocated_at_risk"
RELOCATION_WARNINGS = audit_registry.register("monitoring.relocation_warnings",
                                              _("opened warnings for relocated households at risk"))
MESSAGE = _("Relocated household (site %(site)s) with no member in work on %(date)s.")


def _suggested_category(status: str) -> str:
    """A household out of poverty is 脱贫不稳定户 (1); one never registered poor, 边缘易致贫户 (2)."""
    return "1" if status in cl.EXITED_STATUSES else "2"


def relocation_rule() -> WarningRule:
    rule, _created = WarningRule.objects.get_or_create(code=RULE, defaults={
        "title_zh": "搬迁户无人就业", "title_en": "relocated household with no member in work",
        "source": WarningSource.REGISTRY, "check_name": "relocation_follow_up", "enabled": False})
    return rule


def relocation_warnings_open(*, actor, area_code: str, on: datetime.date | None = None) -> list[RiskWarning]:
    """Open a warning (with its home-visit task, due by the province's visit deadline) for each relocated household
    of the area at risk on `on` and not in monitoring, unless one of this rule is still open for it. Running it
    again the same day opens nothing new."""
    on = fact_date(on, field="on", label=_("date"))
    area = area_by_code(area_code)
    require(actor, Action.CHANGE, area.code)
    rows = assistance_selectors.relocated_at_risk_not_monitored(actor=actor, area_code=area.code, on=on).filter(
        household__status__in=MONITORABLE)
    rows = list(rows.values_list("household_id", "household__area_id", "site__name", "household__status"))
    rule = relocation_rule()
    live = set(RiskWarning.objects.filter(rule=rule, household_id__in=[row[0] for row in rows],
                                          status=WarningStatus.OPEN).values_list("household_id", flat=True))
    fresh = [row for row in rows if row[0] not in live]
    policy = YearPolicy.load(on.year)
    deadlines = {}
    for province in sorted({row[1][:2] for row in fresh}):
        days = policy.parameter(TASK_DAYS, province)
        if days is None:
            raise ValidationFailed(_("No visit deadline (policy parameter %(code)s) applies in %(year)s to province "
                                     "%(province)s."), field="on", code=TASK_DAYS, year=on.year, province=province)
        deadlines[province] = on + datetime.timedelta(days=int(days))
    cadres = dict(Responsibility.objects.filter(household_id__in=[row[0] for row in fresh], start_date__lte=on).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on)).order_by("household_id", "start_date", "id").values_list(
        "household_id", "cadre_id"))

    def text(language: str, site: str) -> str:
        with override(language):
            return (str(MESSAGE) % {"site": site, "date": on.isoformat()})[:300]

    with transaction.atomic():
        warnings = RiskWarning.objects.bulk_create([RiskWarning(
            rule=rule, household_id=household_id, area_code=village, year=on.year, raised_on=on,
            message=text("zh-hans", site), message_en=text("en", site), values={"site": site, "employed": False},
            category=_suggested_category(status), raised_by=actor) for household_id, village, site, status in fresh])
        VisitTask.objects.bulk_create([VisitTask(
            warning=warning, household_id=warning.household_id, area_code=warning.area_code,
            cadre_id=cadres.get(warning.household_id), due_on=deadlines[warning.area_code[:2]])
            for warning in warnings])
        audit_record(actor=actor, action=RELOCATION_WARNINGS, object_type="monitoring.relocation",
                     object_id=f"{area.code}/{on.isoformat()}", area_code=area.code,
                     after={"on": on, "opened": len(warnings), "already_open": len(live)})
    return warnings
