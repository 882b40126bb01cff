"""The project bank (项目库): poverty-alleviation projects with their funds by source, their stages and the
documents each stage needs, the households that benefit and the assets they leave behind (扶贫资产).

A project's scale is a quantity in its type's unit (亩, 千瓦, 户 …), so "43 % of the photovoltaic plan went to
deep-poverty counties" is a share of summed scale, and the same share of money is a share of summed funding.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.scoping import ScopedQuerySet
from fupin.core.models import TimeStampedModel
from fupin.funds import codelists as fund_codes

from . import codelists as cl


def _money(label, **extra):
    return models.DecimalField(label, max_digits=16, decimal_places=2, default=Decimal("0.00"), **extra)


class Project(TimeStampedModel):
    name = models.CharField(_("name"), max_length=200)
    type = models.CharField(_("type"), max_length=20, choices=cl.PROJECT_TYPE.choices)
    # Where the project is: a village for a village road, a county for a county-wide photovoltaic plan.
    area = models.ForeignKey("areas.Area", verbose_name=_("location"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("plan year"))
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    planned_scale = models.DecimalField(_("planned scale (in the type's unit)"), max_digits=14, decimal_places=2,
                                        default=Decimal("0.00"))
    actual_scale = models.DecimalField(_("actual scale (in the type's unit)"), max_digits=14, decimal_places=2,
                                       null=True, blank=True)
    # The helping unit (central unit, eastern partner, enterprise …) that brought the project in, if any.
    helper = models.ForeignKey("cooperation.Party", verbose_name=_("brought in by"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=cl.PROJECT_STATUS.choices, default="planned")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")

    area_paths = ("area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["year", "area_id", "id"]
        indexes = [models.Index(fields=["year", "type", "area"], name="project_year_type_area")]

    def __str__(self) -> str:
        return self.name

    @property
    def unit(self) -> str:
        return cl.unit_of(self.type)


class ProjectFunding(TimeStampedModel):
    """The planned and actual money of one source (the funds app's FundSource codes) for a project."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE,
                                related_name="fundings")
    source = models.CharField(_("fund source"), max_length=20, choices=fund_codes.FUND_SOURCE.choices)
    planned = _money(_("planned (yuan)"))
    actual = _money(_("actual (yuan)"))

    area_paths = ("project__area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("project funding")
        verbose_name_plural = _("project fundings")
        ordering = ["project_id", "source"]
        constraints = [models.UniqueConstraint(fields=["project", "source"], name="unique_project_funding")]

    def __str__(self) -> str:
        return f"{self.project} {self.source}"


class ProjectStage(models.Model):
    """One stage of a project with its planned dates and the day it was completed (empty while open)."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(_("stage"), max_length=10, choices=cl.STAGE.choices)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)

    area_paths = ("project__area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("project stage")
        verbose_name_plural = _("project stages")
        ordering = ["project_id", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "stage"], name="unique_project_stage")]

    def __str__(self) -> str:
        return f"{self.project} {self.stage}"


def document_path(document: "ProjectDocument", original_name: str) -> str:
    """Where a document's file is kept in the default storage: by project and content hash, with the extension
    its checked type gives (the uploader's name is kept on the record, never used as a path)."""
    return f"projects/{document.project_id}/{document.sha256}{cl.DOCUMENT_TYPES[document.content_type]}"


class ProjectDocument(models.Model):
    """A document filed for a stage (申报书, 批复文件 …): the stored file itself, its checked type, SHA-256 hash,
    size and the name it was uploaded under. A stage's completion checks for such files, not for titles."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE,
                                related_name="documents")
    stage = models.CharField(_("stage"), max_length=10, choices=cl.STAGE.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=cl.DOCUMENT_KIND.choices)
    number = models.CharField(_("document number"), max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=200)
    # Empty only on records filed before documents were stored (titles only): they count for no stage.
    file = models.FileField(_("file"), upload_to=document_path, max_length=255, blank=True)
    content_type = models.CharField(_("file type"), max_length=100, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")

    area_paths = ("project__area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("project document")
        verbose_name_plural = _("project documents")
        ordering = ["project_id", "stage", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.title


class ProjectBeneficiary(TimeStampedModel):
    """A household (or one of its members) that benefits from a project, how (利益联结) and by how much."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE,
                                related_name="beneficiaries")
    household = models.ForeignKey("registry.Household", verbose_name=_("household"), on_delete=models.PROTECT,
                                  related_name="+")
    member = models.ForeignKey("registry.Member", verbose_name=_("member"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    mechanism = models.CharField(_("benefit mechanism"), max_length=20, choices=cl.BENEFIT_MECHANISM.choices)
    amount = _money(_("amount per household (yuan)"))
    persons = models.PositiveSmallIntegerField(_("persons benefiting"), default=1)

    area_paths = ("project__area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("project beneficiary")
        verbose_name_plural = _("project beneficiaries")
        ordering = ["project_id", "household_id", "id"]

    def __str__(self) -> str:
        return f"{self.project} → {self.household}"


class ProjectAsset(TimeStampedModel):
    """An asset a project formed (扶贫资产), who owns it and when it was handed over."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="assets")
    kind = models.CharField(_("kind"), max_length=12, choices=cl.ASSET_KIND.choices)
    name = models.CharField(_("name"), max_length=200)
    value = _money(_("value (yuan)"))
    owner_kind = models.CharField(_("owner kind"), max_length=12, choices=cl.ASSET_OWNER.choices)
    owner_name = models.CharField(_("owner"), max_length=200)
    # Where the owner is: the village of a collective or household, the seat of an enterprise.
    owner_area = models.ForeignKey("areas.Area", verbose_name=_("owner's area"), on_delete=models.PROTECT,
                                   related_name="+")
    owner_household = models.ForeignKey("registry.Household", verbose_name=_("owning household"), null=True,
                                        blank=True, on_delete=models.PROTECT, related_name="+")
    handed_over_on = models.DateField(_("handed over on"), null=True, blank=True)
    # The register of 国办函〔2021〕51号. Empty on assets recorded before it was kept (they are counted as "not
    # recorded" in the ledgers, never guessed).
    fund_source = models.CharField(_("source of funds"), max_length=12, choices=cl.ASSET_SOURCE.choices, blank=True)
    formed_on = models.DateField(_("formed on"), null=True, blank=True)
    # 确权: the level ownership was confirmed to, with the certificate (权属证明) when one was issued.
    owner_level = models.CharField(_("owner level"), max_length=10, choices=cl.OWNER_LEVEL.choices, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=100, blank=True)
    certified_on = models.DateField(_("certified on"), null=True, blank=True)
    # 管护: who keeps the asset in repair (a village committee, a cooperative, a department …).
    custodian = models.CharField(_("custodian"), max_length=200, blank=True)
    # Kept by the disposal service: in use, disposal under way, disposed.
    status = models.CharField(_("status"), max_length=10, choices=cl.ASSET_STATUS.choices, default="in_use")

    area_paths = ("project__area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("poverty-alleviation asset")
        verbose_name_plural = _("poverty-alleviation assets")
        ordering = ["project_id", "id"]

    def __str__(self) -> str:
        return self.name


class AssetIncome(TimeStampedModel):
    """What an asset earned in a year and how much of it was distributed to households."""

    asset = models.ForeignKey(ProjectAsset, verbose_name=_("asset"), on_delete=models.PROTECT,
                              related_name="incomes")
    year = models.PositiveSmallIntegerField(_("year"))
    amount = _money(_("income (yuan)"))
    distributed_to_households = _money(_("distributed to households (yuan)"))

    area_paths = ("asset__project__area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("asset income")
        verbose_name_plural = _("asset incomes")
        ordering = ["asset_id", "year"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "year"], name="unique_asset_income_year"),
            models.CheckConstraint(condition=models.Q(distributed_to_households__lte=models.F("amount")),
                                   name="asset_income_distributed_not_above_income"),
        ]

    def __str__(self) -> str:
        return f"{self.asset} {self.year}"


class AssetMaintenance(models.Model):
    """One maintenance of an asset (管护记录): when, what it cost and what was done."""

    asset = models.ForeignKey(ProjectAsset, verbose_name=_("asset"), on_delete=models.PROTECT,
                              related_name="maintenances")
    date = models.DateField(_("date"))
    cost = _money(_("cost (yuan)"))
    note = models.CharField(_("note"), max_length=300)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    area_paths = ("asset__project__area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("asset maintenance")
        verbose_name_plural = _("asset maintenances")
        ordering = ["asset_id", "date", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(cost__gte=0), name="asset_maintenance_cost")]

    def __str__(self) -> str:
        return f"{self.asset} {self.date}"


class AssetIncomeShare(models.Model):
    """Part of a year's asset income distributed (收益分配) to a village collective or to a household, and the day
    the distribution was posted publicly (公示)."""

    income = models.ForeignKey(AssetIncome, verbose_name=_("asset income"), on_delete=models.PROTECT,
                               related_name="shares")
    recipient = models.CharField(_("recipient"), max_length=10, choices=cl.INCOME_RECIPIENT.choices)
    # The village receiving it, or the household's village.
    area = models.ForeignKey("areas.Area", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("registry.Household", verbose_name=_("household"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    amount = _money(_("amount (yuan)"))
    paid_on = models.DateField(_("paid on"))
    posted_on = models.DateField(_("posted on"), null=True, blank=True)

    area_paths = ("income__asset__project__area", "area")  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("asset income share")
        verbose_name_plural = _("asset income shares")
        ordering = ["income_id", "recipient", "area_id", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="asset_income_share_positive"),
            models.CheckConstraint(condition=models.Q(recipient="household", household__isnull=False)
                                   | (~models.Q(recipient="household") & models.Q(household__isnull=True)),
                                   name="asset_income_share_household"),
        ]

    def __str__(self) -> str:
        return f"{self.income} → {self.area_id} {self.amount}"


class AssetDisposal(models.Model):
    """A disposal (处置) of an asset through its approval steps: applied → approved by the township → approved by
    the county → disposed (an asset owned at county level skips the township). Each step's day and who took it."""

    asset = models.ForeignKey(ProjectAsset, verbose_name=_("asset"), on_delete=models.PROTECT,
                              related_name="disposals")
    status = models.CharField(_("status"), max_length=10, choices=cl.DISPOSAL_STATUS.choices, default="applied")
    reason = models.CharField(_("reason"), max_length=300)
    value = _money(_("disposal value (yuan)"))
    applied_on = models.DateField(_("applied on"))
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("applied by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    township_on = models.DateField(_("approved by the township on"), null=True, blank=True)
    township_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by (township)"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    county_on = models.DateField(_("approved by the county on"), null=True, blank=True)
    county_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by (county)"), null=True,
                                  blank=True, on_delete=models.SET_NULL, related_name="+")
    disposed_on = models.DateField(_("disposed on"), null=True, blank=True)
    rejected_on = models.DateField(_("rejected on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    area_paths = ("asset__project__area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("asset disposal")
        verbose_name_plural = _("asset disposals")
        ordering = ["asset_id", "applied_on", "id"]
        constraints = [
            # An asset has at most one disposal that is under way or done; refused ones may be many.
            models.UniqueConstraint(fields=["asset"], condition=~models.Q(status="rejected"),
                                    name="one_live_disposal_per_asset"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="asset_disposal_value"),
        ]

    def __str__(self) -> str:
        return f"{self.asset} {self.status}"
