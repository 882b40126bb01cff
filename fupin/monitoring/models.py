"""Early warning against return to poverty (防返贫监测预警): warning rules as data, the warnings a scan raises on
households, the home-visit task each warning gives the household's responsible cadre, and the disasters that
raise warnings in the areas they hit.

A warning is a risk clue (风险线索, DOMAIN_RULES §5.2 step 0); its task is the home visit (入户核实). A visit that
confirms the risk opens the monitoring-identification procedure (workflows), and the task keeps the case, so
warning → task → visit → case can be followed both ways.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.accounts.scoping import ScopedQuerySet
from fupin.core.codelists import code_list, localized
from fupin.core.models import TimeStampedModel

# 因自然灾害 sub-types of the national risk list (DOMAIN_RULES §5.2).
DISASTER_KIND = code_list("自然灾害类型", [
    ("flood", "洪涝", "flood"),
    ("geological", "地质灾害", "geological hazard (landslide, debris flow)", "地质"),
    ("drought", "旱灾", "drought"),
    ("biological", "生物灾害", "biological hazard (pests, epidemics of livestock)", "生物"),
    ("weather", "气象灾害", "weather (hail, frost, storm)", "气象"),
    ("earthquake", "地震", "earthquake"),
    ("other", "其他", "other"),
])


class WarningSource(models.TextChoices):
    REGISTRY = "registry", _("registry")
    DEPARTMENT = "department", _("department data")


class WarningRule(models.Model):
    """A warning rule as data (data/warning_rules.json): a registered check (checks.py), fixed parameters, and
    the policy parameters it reads for the household's province and the scan's year (`policy`: the check's
    name for a value → the code of a rules.PolicyParameter)."""

    code = models.SlugField(_("code"), max_length=40, primary_key=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=100)
    title_en = models.CharField(_("title (English)"), max_length=150)
    source = models.CharField(_("source"), max_length=10, choices=WarningSource.choices)
    check_name = models.CharField(_("check"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    policy = models.JSONField(_("policy parameters"), default=dict, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("warning rule")
        verbose_name_plural = _("warning rules")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.title_zh

    @property
    def title(self) -> str:
        return localized(self.title_zh, self.title_en)


class Disaster(TimeStampedModel):
    """A natural disaster reported for an area (any level) on a day: every household under the area that may be
    monitored is warned by the `disaster` rule."""

    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=DISASTER_KIND.choices)
    occurred_on = models.DateField(_("occurred on"))
    title = models.CharField(_("title"), max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")

    area_paths = ("area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("disaster")
        verbose_name_plural = _("disasters")
        ordering = ["-occurred_on", "id"]
        constraints = [models.UniqueConstraint(fields=["area", "kind", "occurred_on"], name="disaster_unique")]

    def __str__(self) -> str:
        return f"{self.area_id} {self.kind} {self.occurred_on}"


class WarningStatus(models.TextChoices):
    OPEN = "open", _("open, awaiting the visit")
    CONFIRMED = "confirmed", _("risk confirmed, identification opened")
    CLOSED = "closed", _("closed, risk not confirmed")


class RiskWarning(TimeStampedModel):
    """A risk clue a rule raised on a household: what it found (in Chinese and English, with the values it
    compared), the monitoring category the rules suggest, and what came of it."""

    rule = models.ForeignKey(WarningRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="warnings")
    household = models.ForeignKey("registry.Household", verbose_name=_("household"), on_delete=models.PROTECT,
                                  related_name="+")
    area_code = models.CharField(_("village"), max_length=12, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    raised_on = models.DateField(_("raised on"))
    message = models.CharField(_("message"), max_length=300)
    message_en = models.CharField(_("message (English)"), max_length=300)
    values = models.JSONField(_("values compared"), default=dict, blank=True)
    category = models.CharField(_("suggested monitoring category"), max_length=1, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=WarningStatus.choices, default=WarningStatus.OPEN)
    closed_reason = models.CharField(_("reason for closing"), max_length=500, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("raised by"), null=True,
                                  on_delete=models.SET_NULL, related_name="+")

    area_paths = ("area_code",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        ordering = ["area_code", "rule_id", "household_id", "id"]
        indexes = [models.Index(fields=["area_code", "raised_on"], name="warning_area_raised"),
                   models.Index(fields=["household", "rule", "status"], name="warning_household_rule")]
        constraints = [models.UniqueConstraint(fields=["household", "rule"], condition=models.Q(status="open"),
                                               name="one_open_warning_per_rule")]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.household_id} {self.raised_on}"

    @property
    def text(self) -> str:
        return localized(self.message, self.message_en)


class TaskStatus(models.TextChoices):
    OPEN = "open", _("to visit")
    DONE = "done", _("visited")


class TaskOutcome(models.TextChoices):
    NONE = "", _("not yet visited")
    CONFIRMED = "confirmed", _("risk confirmed")
    NOT_CONFIRMED = "not_confirmed", _("risk not confirmed")


class VisitTask(TimeStampedModel):
    """The home visit a warning asks of the household's responsible cadre (none: unassigned, to be assigned) by a
    deadline from the province's policy; completed with the visit it produced and, if the risk was confirmed,
    the monitoring-identification case it opened."""

    warning = models.OneToOneField(RiskWarning, verbose_name=_("warning"), on_delete=models.PROTECT,
                                   related_name="task")
    household = models.ForeignKey("registry.Household", verbose_name=_("household"), on_delete=models.PROTECT,
                                  related_name="+")
    area_code = models.CharField(_("village"), max_length=12, db_index=True)
    cadre = models.ForeignKey("personnel.Cadre", verbose_name=_("responsible cadre"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("visit by"))
    status = models.CharField(_("status"), max_length=6, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    outcome = models.CharField(_("outcome"), max_length=14, choices=TaskOutcome.choices, blank=True)
    completed_on = models.DateField(_("visited on"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("completed by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    visit = models.ForeignKey("assistance.HouseholdVisit", verbose_name=_("visit"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("workflows.Case", verbose_name=_("monitoring identification"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")

    area_paths = ("area_code",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("home-visit task")
        verbose_name_plural = _("home-visit tasks")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="visit_task_status_due")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.due_on}"
