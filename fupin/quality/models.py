from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fupin.core.models import TimeStampedModel


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
        from fupin.core.codelists import _to_traditional

        language = get_language() or "zh-hans"
        if language.startswith("en"):
            return self.title_en
        return _to_traditional(self.title_zh) if language in ("zh-hant", "zh-tw", "zh-hk") else self.title_zh


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

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["area_code", "rule_id", "household_id"]
        indexes = [models.Index(fields=["status", "area_code"], name="finding_status_area")]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.household_id}"
