"""Household assistance (一户一策): each poor household's plan — its causes, the measures planned against them, the
measures delivered and the outcome — the cadres responsible for it and their visits, and the two measures that
carry their own records: relocation (易地扶贫搬迁, with the natural villages moved out) and poverty microcredit.

A delivered measure says which member it reached (or the whole household), what it cost and who provided it (a
helping unit, a project, a fund document), so "which households did this project reach" and "what reached this
household, from where" are both plain queries.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.accounts.scoping import ScopedQuerySet
from fupin.core.codelists import localized
from fupin.core.models import TimeStampedModel

from . import codelists as cl


def _money(label, **options):
    return models.DecimalField(label, max_digits=16, decimal_places=2, default=Decimal("0.00"), **options)


class MeasureType(models.Model):
    """A kind of measure of the catalogue: its 五个一批 batch and what it addresses (data/measures.json)."""

    code = models.SlugField(_("code"), max_length=40, primary_key=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    batch = models.CharField(_("five-batches route"), max_length=16, blank=True, choices=cl.BATCH.choices)
    causes = models.JSONField(_("causes of poverty it addresses"), default=list)
    indicators = models.JSONField(_("indicators it secures"), default=list)
    ecological = models.BooleanField(_("ecological income"), default=False)
    # The end rule a delivered measure of this type takes unless the record says otherwise.
    end_rule = models.CharField(_("end rule"), max_length=12, choices=cl.END_RULE.choices, default="once")

    class Meta:
        verbose_name = _("measure type")
        verbose_name_plural = _("measure types")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.label()

    def label(self, language: str | None = None) -> str:
        return localized(self.name_zh, self.name_en, language)


class AssistanceRecord(TimeStampedModel):
    """What every assistance record shares: the household it is about (its village scopes it) and who wrote it."""

    household = models.ForeignKey("registry.Household", verbose_name=_("household"), on_delete=models.PROTECT,
                                  related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")

    area_paths = ("household__area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class Plan(AssistanceRecord):
    """一户一策: one household's plan for a year, with the causes it was drawn up against."""

    year = models.PositiveSmallIntegerField(_("year"))
    causes = models.JSONField(_("causes of poverty"), default=list,
                              help_text=_("Codes of the causes the plan addresses; by default the household's."))
    outcome = models.CharField(_("outcome"), max_length=12, choices=cl.PLAN_OUTCOME.choices, default="in_progress")
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("household plan")
        verbose_name_plural = _("household plans")
        ordering = ["household_id", "year"]
        constraints = [models.UniqueConstraint(fields=["household", "year"], name="one_plan_per_household_year")]

    def __str__(self) -> str:
        return f"{self.household} {self.year}"


class PlannedMeasure(TimeStampedModel):
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="planned")
    measure_type = models.ForeignKey(MeasureType, verbose_name=_("measure"), on_delete=models.PROTECT,
                                     related_name="+")
    member = models.ForeignKey("registry.Member", verbose_name=_("member"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    planned_amount = _money(_("planned amount (yuan)"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    area_paths = ("plan__household__area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("planned measure")
        verbose_name_plural = _("planned measures")
        ordering = ["plan_id", "id"]


class DeliveredMeasure(AssistanceRecord):
    """A measure that reached the household (or one member): what, when, how much and from whom."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="delivered")
    measure_type = models.ForeignKey(MeasureType, verbose_name=_("measure"), on_delete=models.PROTECT,
                                     related_name="+")
    member = models.ForeignKey("registry.Member", verbose_name=_("member"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    delivered_on = models.DateField(_("delivered on"))
    amount = _money(_("amount (yuan)"))
    provider = models.ForeignKey("cooperation.Party", verbose_name=_("provided by"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey("projects.Project", verbose_name=_("project"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    fund_document = models.ForeignKey("funds.FundDocument", verbose_name=_("fund document"), null=True,
                                      blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)
    # Support with its own end (issue 26): how the support ends and the day it ends, derived by the service from
    # the rule (the set date, the loan contract, the post agreement, the member's school stage as recorded).
    end_rule = models.CharField(_("end rule"), max_length=12, choices=cl.END_RULE.choices, blank=True,
                                help_text=_("Empty: the measure type's rule."))
    ends_on = models.DateField(_("support ends on"), null=True, blank=True)
    agreement_ends_on = models.DateField(_("agreement or set end date"), null=True, blank=True)
    loan = models.ForeignKey("assistance.Loan", verbose_name=_("loan contract"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="measures")
    school_status = models.CharField(_("school stage when delivered"), max_length=2, blank=True)

    class Meta:
        verbose_name = _("delivered measure")
        verbose_name_plural = _("delivered measures")
        ordering = ["delivered_on", "id"]
        indexes = [models.Index(fields=["household", "delivered_on"], name="delivered_household_date"),
                   models.Index(fields=["household", "ends_on"], name="delivered_household_end")]


class Responsibility(AssistanceRecord):
    """帮扶责任人: a cadre answerable for a household from a date (to a date)."""

    cadre = models.ForeignKey("personnel.Cadre", verbose_name=_("cadre"), on_delete=models.PROTECT,
                              related_name="+")
    level = models.CharField(_("level"), max_length=10, choices=cl.RESPONSIBLE_LEVEL.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        verbose_name = _("responsible cadre")
        verbose_name_plural = _("responsible cadres")
        ordering = ["household_id", "start_date"]


class HouseholdVisit(AssistanceRecord):
    """走访: a cadre's visit to the household, with notes, photos and where it was made."""

    cadre = models.ForeignKey("personnel.Cadre", verbose_name=_("cadre"), on_delete=models.PROTECT,
                              related_name="+")
    visited_on = models.DateField(_("visited on"))
    notes = models.TextField(_("notes"), blank=True)
    photos = models.JSONField(_("photos"), default=list, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = _("household visit")
        verbose_name_plural = _("household visits")
        ordering = ["-visited_on", "id"]
        indexes = [models.Index(fields=["household", "visited_on"], name="visit_household_date")]


class RelocationSite(TimeStampedModel):
    """安置点: where relocated households were resettled (a centralised site or scattered resettlement)."""

    name = models.CharField(_("name"), max_length=120)
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=cl.SITE_KIND.choices)
    planned_households = models.PositiveIntegerField(_("planned households"), default=0)
    # 同步搬迁: people moved to the site with the registered households who are not in the register; they count in
    # the settlement's population (the ≥ 800 rule) but have no Relocation row.
    co_moved_persons = models.PositiveIntegerField(_("persons moved along (not registered)"), default=0)

    area_paths = ("area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("relocation site")
        verbose_name_plural = _("relocation sites")
        ordering = ["area_id", "name"]

    def __str__(self) -> str:
        return self.name


class OriginVillage(TimeStampedModel):
    """A natural village (自然村) to be moved out, inside an administrative village; its actions are dated rows."""

    name = models.CharField(_("natural village"), max_length=60)
    area = models.ForeignKey("areas.Area", verbose_name=_("administrative village"), on_delete=models.PROTECT,
                             related_name="+")
    deep_poverty = models.BooleanField(_("deep-poverty village"), default=False)
    households = models.PositiveIntegerField(_("households"), default=0)
    persons = models.PositiveIntegerField(_("persons"), default=0)

    area_paths = ("area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("natural village moved out")
        verbose_name_plural = _("natural villages moved out")
        ordering = ["area_id", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="unique_origin_village")]

    def __str__(self) -> str:
        return self.name


class OriginAction(TimeStampedModel):
    """One step of moving a natural village out (started, completed, demolished, reclaimed), once each."""

    village = models.ForeignKey(OriginVillage, verbose_name=_("natural village"), on_delete=models.CASCADE,
                                related_name="actions")
    action = models.CharField(_("action"), max_length=12, choices=cl.ORIGIN_ACTION.choices)
    on = models.DateField(_("date"))
    area_mu = models.DecimalField(_("area (mu)"), max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("relocation step")
        verbose_name_plural = _("relocation steps")
        ordering = ["village_id", "on"]
        constraints = [models.UniqueConstraint(fields=["village", "action"], name="one_origin_action_each")]


class Relocation(AssistanceRecord):
    """A household moved to a site on a date (and, when known, from a natural village)."""

    site = models.ForeignKey(RelocationSite, verbose_name=_("site"), on_delete=models.PROTECT,
                             related_name="relocations")
    origin = models.ForeignKey(OriginVillage, verbose_name=_("natural village"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="relocations")
    moved_on = models.DateField(_("moved on"))
    persons = models.PositiveSmallIntegerField(_("persons moved"))

    class Meta:
        verbose_name = _("relocated household")
        verbose_name_plural = _("relocated households")
        ordering = ["moved_on", "id"]
        constraints = [models.UniqueConstraint(fields=["household"], name="one_relocation_per_household")]


class Loan(AssistanceRecord):
    """扶贫小额信贷: a loan to a household (5 万 or less, 3 years, no collateral, interest subsidised)."""

    bank = models.ForeignKey("cooperation.Party", verbose_name=_("bank"), on_delete=models.PROTECT,
                             related_name="+")
    amount = _money(_("amount (yuan)"))
    issued_on = models.DateField(_("issued on"))
    due_on = models.DateField(_("due on"))
    annual_rate = models.DecimalField(_("annual rate (%)"), max_digits=5, decimal_places=2)
    repaid_amount = _money(_("repaid (yuan)"))
    repaid_on = models.DateField(_("repaid on"), null=True, blank=True)

    class Meta:
        verbose_name = _("poverty microloan")
        verbose_name_plural = _("poverty microloans")
        ordering = ["issued_on", "id"]
        indexes = [models.Index(fields=["issued_on"], name="loan_issued_on")]

    def status_on(self, day) -> str:
        if self.repaid_amount >= self.amount:
            return "repaid"
        return "overdue" if day > self.due_on else "current"


class Relending(TimeStampedModel):
    """扶贫再贷款 passed on by a bank to an enterprise that takes poor households into its business."""

    bank = models.ForeignKey("cooperation.Party", verbose_name=_("bank"), on_delete=models.PROTECT,
                             related_name="+")
    borrower = models.ForeignKey("cooperation.Party", verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                 related_name="+")
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    amount = _money(_("amount (yuan)"))
    issued_on = models.DateField(_("issued on"))
    households_linked = models.PositiveIntegerField(_("poor households linked"), default=0)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")

    area_paths = ("area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("re-lending to an enterprise")
        verbose_name_plural = _("re-lending to enterprises")
        ordering = ["issued_on", "id"]


class RelocationEmployment(AssistanceRecord):
    """易地搬迁后续扶持: a member of a relocated household in work from a date (to a date); a relocated household is
    followed until at least one of its members is employed."""

    member = models.ForeignKey("registry.Member", verbose_name=_("member"), on_delete=models.PROTECT,
                               related_name="+")
    kind = models.CharField(_("kind of employment"), max_length=12, choices=cl.EMPLOYMENT_KIND.choices)
    employer = models.CharField(_("employer or place of work"), max_length=120, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        verbose_name = _("employment of a relocated household")
        verbose_name_plural = _("employment of relocated households")
        ordering = ["household_id", "start_date", "id"]
        constraints = [models.UniqueConstraint(fields=["member", "start_date"], name="relocation_employment_unique")]


class PropertyCertificate(AssistanceRecord):
    """不动产权证: the property certificate of a relocated household's new home (number and date issued)."""

    number = models.CharField(_("certificate number"), max_length=60)
    issued_on = models.DateField(_("issued on"))

    class Meta:
        verbose_name = _("property certificate")
        verbose_name_plural = _("property certificates")
        ordering = ["household_id", "issued_on"]
        constraints = [models.UniqueConstraint(fields=["household"], name="one_certificate_per_household"),
                       models.UniqueConstraint(fields=["number"], name="certificate_number_unique")]
