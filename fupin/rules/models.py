"""Policy as data: every line, threshold and condition has an effective year and a scope (national or one
province), and says how sure we are of it (DOMAIN_RULES flags V/L/C/U). A policy change is a new row."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.core.models import TimeStampedModel

NATIONAL = ""  # province_code of a national value


class Certainty(models.TextChoices):
    VERIFIED = "V", _("verified")
    LOCAL = "L", _("locally verified")
    CODE = "C", _("inferred from public code")
    UNVERIFIED = "U", _("unverified")


class PolicyRow(TimeStampedModel):
    province_code = models.CharField(_("province code"), max_length=2, blank=True, default=NATIONAL,
                                     help_text=_("Empty: national."))
    certainty = models.CharField(_("certainty"), max_length=1, choices=Certainty.choices, default=Certainty.VERIFIED)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        abstract = True


class PovertyLine(PolicyRow):
    class Series(models.TextChoices):
        NBS = "nbs", _("NBS statistical line")
        WORKING = "working", _("working line for identification and exit")

    year = models.PositiveSmallIntegerField(_("year"))
    series = models.CharField(_("series"), max_length=10, choices=Series.choices)
    amount = models.DecimalField(_("yuan per person per year"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("poverty line")
        verbose_name_plural = _("poverty lines")
        ordering = ["series", "year", "province_code"]
        constraints = [models.UniqueConstraint(fields=["year", "series", "province_code"], name="poverty_line_unique")]

    def __str__(self) -> str:
        return f"{self.year} {self.series} {self.province_code or 'CN'}: {self.amount}"


class MonitoringThreshold(PolicyRow):
    """监测范围: per-capita net income at or under which a household is in the monitoring range (2021+)."""

    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("yuan per person per year"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("monitoring threshold")
        verbose_name_plural = _("monitoring thresholds")
        ordering = ["year", "province_code"]
        constraints = [models.UniqueConstraint(fields=["year", "province_code"], name="monitoring_threshold_unique")]

    def __str__(self) -> str:
        return f"{self.year} {self.province_code or 'CN'}: {self.amount}"


class ExitThreshold(PolicyRow):
    """Highest incidence at which a village or county may exit, by region class, from a year on."""

    class Level(models.TextChoices):
        VILLAGE = "village", _("village")
        COUNTY = "county", _("county")

    level = models.CharField(_("level"), max_length=7, choices=Level.choices)
    region_class = models.CharField(_("region class"), max_length=8)
    effective_year = models.PositiveSmallIntegerField(_("effective from"))
    max_incidence = models.DecimalField(_("incidence must be below"), max_digits=6, decimal_places=4)

    class Meta:
        verbose_name = _("exit threshold")
        verbose_name_plural = _("exit thresholds")
        ordering = ["level", "region_class", "effective_year"]
        constraints = [models.UniqueConstraint(fields=["level", "region_class", "effective_year", "province_code"],
                                               name="exit_threshold_unique")]

    def __str__(self) -> str:
        return f"{self.level} {self.region_class} {self.effective_year}: < {self.max_incidence}"


class PolicyParameter(PolicyRow):
    """A named number of policy (错退率 ≤ 2 %, 认可度 ≥ 90 %, months of stable income …) from a year on."""

    code = models.SlugField(_("code"), max_length=60)
    effective_year = models.PositiveSmallIntegerField(_("effective from"))
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=4)

    class Meta:
        verbose_name = _("policy parameter")
        verbose_name_plural = _("policy parameters")
        ordering = ["code", "effective_year"]
        constraints = [models.UniqueConstraint(fields=["code", "effective_year", "province_code"],
                                               name="policy_parameter_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.effective_year} {self.province_code or 'CN'}: {self.value}"


class ExitCondition(PolicyRow):
    """A household exit condition switched on (or off) from a year on, nationally or in one province."""

    code = models.SlugField(_("condition"), max_length=40)
    effective_year = models.PositiveSmallIntegerField(_("effective from"))
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("household exit condition")
        verbose_name_plural = _("household exit conditions")
        ordering = ["code", "effective_year"]
        constraints = [models.UniqueConstraint(fields=["code", "effective_year", "province_code"],
                                               name="exit_condition_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.effective_year} {self.province_code or 'CN'}: {self.enabled}"
