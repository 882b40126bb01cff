from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.accounts.scoping import ScopedQuerySet
from fupin.core.codelists import code_list, localized
from fupin.core.models import TimeStampedModel

DEPARTMENT_SOURCE = code_list("比对数据来源", [
    ("death", "公安：死亡人员", "public security: deaths", "死亡"),
    ("vehicle", "公安：机动车", "public security: vehicles", "车辆"),
    ("state_staff", "财政供养人员", "state-paid staff", "财政供养"),
    ("property", "住建：商品房", "housing: commercial property", "商品房"),
    ("business", "市场监管：工商注册", "market regulation: business registrations", "工商注册"),
    ("dibao", "民政：低保", "civil affairs: minimum living allowance", "低保"),
    ("tekun", "民政：特困供养", "civil affairs: destitute support", "特困"),
    ("medical", "医保：住院和自付费用", "medical insurance: hospital stays and out-of-pocket costs", "医保"),
    ("education", "教育：在校和辍学", "education: enrolment and dropouts", "教育"),
    ("disability", "残联：残疾人证", "disabled persons' federation: certificates", "残疾人证"),
])


class Severity(models.TextChoices):
    ERROR = "error", _("error")
    WARNING = "warning", _("warning")
    INFO = "info", _("information")


class QualityRule(models.Model):
    """A data-quality rule as data: a registered check (checks.py) with its parameters, titles in three
    languages (zh-Hant by OpenCC), a severity, and per-province switches."""

    code = models.SlugField(_("code"), max_length=40, primary_key=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=100)
    title_en = models.CharField(_("title (English)"), max_length=150)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.WARNING)
    check_name = models.CharField(_("check"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    disabled_provinces = models.JSONField(_("switched off in provinces"), default=list, blank=True)

    class Meta:
        verbose_name = _("quality rule")
        verbose_name_plural = _("quality rules")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.title_zh

    @property
    def title(self) -> str:
        return localized(self.title_zh, self.title_en)


class Scan(models.Model):
    area_code = models.CharField(_("area code"), max_length=12, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    rules = models.JSONField(_("rules"), default=list)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    counts = models.JSONField(_("counts"), default=dict)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("quality scan")
        verbose_name_plural = _("quality scans")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.area_code or '*'} {self.year} #{self.pk}"


class FindingStatus(models.TextChoices):
    OPEN = "open", _("open")
    FIXED = "fixed", _("fixed")
    EXPLAINED = "explained", _("explained, awaiting acceptance")
    ACCEPTED = "accepted", _("explanation accepted")


class Finding(TimeStampedModel):
    """One problem a rule found on a household (or one of its members) in a year, assigned to its village.

    A rescan that no longer finds it marks it fixed; an explanation, once accepted, keeps it out of the open list
    for as long as the rule keeps finding the same thing."""

    rule = models.ForeignKey(QualityRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="findings")
    household = models.ForeignKey("registry.Household", verbose_name=_("household"), on_delete=models.CASCADE,
                                  related_name="+")
    member = models.ForeignKey("registry.Member", verbose_name=_("member"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="+")
    area_code = models.CharField(_("village"), max_length=12, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    message = models.CharField(_("message"), max_length=300)
    message_en = models.CharField(_("message (English)"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    first_scan = models.ForeignKey(Scan, verbose_name=_("first found by"), on_delete=models.PROTECT,
                                   related_name="+")
    last_scan = models.ForeignKey(Scan, verbose_name=_("last seen by"), on_delete=models.PROTECT, related_name="+")
    explanation = models.CharField(_("explanation"), max_length=500, blank=True)
    explained_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("explained by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("accepted by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    fixed_at = models.DateTimeField(_("fixed at"), null=True, blank=True)

    area_paths = ("area_code",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["area_code", "rule_id", "household_id"]
        indexes = [models.Index(fields=["status", "area_code"], name="finding_status_area")]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.household_id}"


class DepartmentList(models.Model):
    """One list received from another department (数据比对), e.g. the public-security deaths of a quarter."""

    source = models.CharField(_("source"), max_length=24, choices=DEPARTMENT_SOURCE.choices)
    name = models.CharField(_("name"), max_length=120)
    received_on = models.DateField(_("received on"))
    rows = models.PositiveIntegerField(_("rows"), default=0)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("imported by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("department list")
        verbose_name_plural = _("department lists")
        ordering = ["-received_on", "id"]
        constraints = [models.UniqueConstraint(fields=["source", "name"], name="unique_department_list")]

    def __str__(self) -> str:
        return self.name


class DepartmentRecord(models.Model):
    """A row of a department list, keyed by ID number: a value (price, amount, …), a date and a detail."""

    department_list = models.ForeignKey(DepartmentList, verbose_name=_("list"), on_delete=models.CASCADE,
                                        related_name="records")
    id_number = models.CharField(_("ID number"), max_length=18, db_index=True)
    name = models.CharField(_("name"), max_length=60, blank=True)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2, null=True, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    row = models.PositiveIntegerField(_("row"))

    class Meta:
        verbose_name = _("department record")
        verbose_name_plural = _("department records")
        constraints = [models.UniqueConstraint(fields=["department_list", "row"], name="unique_department_row")]

    def __str__(self) -> str:
        return f"{self.department_list_id}:{self.row}"
