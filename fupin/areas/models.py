from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.accounts.scoping import ScopedQuerySet
from fupin.core import areacodes as codes
from fupin.core.models import TimeStampedModel

from .choices import AreaLevel, RegionClass


class Area(models.Model):
    """A division with its 12-digit statistical code, which is also its path (see `codes`)."""

    code = models.CharField(_("division code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=AreaLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children", db_index=True,
    )
    # Set on provinces only: the east/central/west class that poverty policy keys thresholds on.
    region_class = models.CharField(_("region class"), max_length=8, choices=RegionClass.choices, blank=True)
    vintage = models.ForeignKey(
        "DivisionVintage", verbose_name=_("data vintage"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    area_paths = ("code",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]
        # Subtree counts by level ("villages of Yunnan") are a range scan of this covering index.
        indexes = [models.Index(fields=["level", "code"], name="area_level_code")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def prefix(self) -> str:
        return codes.prefix_of(self.code, self.level)

    @property
    def subtree_bounds(self) -> tuple[str, str]:
        return codes.code_range(self.prefix)

    @property
    def ancestor_codes(self) -> list[str]:
        return codes.ancestor_codes(self.code, self.level)

    @property
    def province_code(self) -> str:
        return codes.prefix_of(self.code, codes.Level.PROVINCE).ljust(codes.CODE_LENGTH, "0")


class DivisionVintage(models.Model):
    """Which release of the division tables is loaded, so every figure can say which codes it used."""

    source = models.CharField(_("source"), max_length=100)
    version = models.CharField(_("version"), max_length=50)
    description = models.CharField(_("description"), max_length=200, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)
    area_count = models.PositiveIntegerField(_("areas loaded"), default=0)

    class Meta:
        verbose_name = _("division data vintage")
        verbose_name_plural = _("division data vintages")
        constraints = [models.UniqueConstraint(fields=["source", "version"], name="unique_division_vintage")]

    def __str__(self) -> str:
        return f"{self.source} {self.version}"


class DesignationType(models.Model):
    """A kind of designation (贫困县, 深度贫困村, 三区三州 …) as data; new kinds need no code change."""

    code = models.SlugField(_("code"), max_length=40, primary_key=True)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=60, unique=True)
    name_zh_hant = models.CharField(_("name (Traditional Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=100)
    levels = models.JSONField(_("levels it applies to"), default=list, help_text=_("Area levels, 1 to 5."))

    class Meta:
        verbose_name = _("designation type")
        verbose_name_plural = _("designation types")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.label()

    def label(self, language: str | None = None) -> str:
        from django.utils.translation import get_language

        language = (language or get_language() or "zh-hans").lower()
        if language.startswith("en"):
            return self.name_en
        if language in {"zh-hant", "zh-tw", "zh-hk"}:
            return self.name_zh_hant
        return self.name_zh_hans


class AreaDesignation(TimeStampedModel):
    """An area designated (and later exited) as, say, a poor county: dated data, never a flag overwritten."""

    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="designations")
    designation_type = models.ForeignKey(
        DesignationType, verbose_name=_("designation type"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year designated"))
    exit_year = models.PositiveSmallIntegerField(_("year exited"), null=True, blank=True)

    area_paths = ("area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("area designation")
        verbose_name_plural = _("area designations")
        ordering = ["area_id", "designation_type_id", "year"]
        constraints = [
            models.UniqueConstraint(fields=["area", "designation_type", "year"], name="unique_area_designation"),
            models.CheckConstraint(
                condition=models.Q(exit_year__isnull=True) | models.Q(exit_year__gte=models.F("year")),
                name="designation_exit_not_before_designation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.designation_type} {self.year}"


class AreaYear(TimeStampedModel):
    """Per-year figures of an area; the rural registered population is the denominator of 贫困发生率."""

    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="years")
    year = models.PositiveSmallIntegerField(_("year"))
    rural_population = models.PositiveIntegerField(_("rural registered population"))
    households = models.PositiveIntegerField(_("households"), null=True, blank=True)
    # A village exit criterion some provinces set (DOMAIN_RULES §4.2: 集体经济收入), checked when configured.
    collective_income = models.DecimalField(_("village collective income (yuan)"), max_digits=14, decimal_places=2,
                                            null=True, blank=True)
    # 农村居民人均可支配收入 from the statistics bureau's household survey (not the registry): the seeds' "poor areas'
    # per-capita disposable income" figure is its rural-population-weighted mean over the poor counties.
    rural_income_per_capita = models.DecimalField(_("rural disposable income per head (yuan)"), max_digits=10,
                                                  decimal_places=2, null=True, blank=True)

    area_paths = ("area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("area year")
        verbose_name_plural = _("area years")
        ordering = ["area_id", "year"]
        constraints = [models.UniqueConstraint(fields=["area", "year"], name="unique_area_year")]

    def __str__(self) -> str:
        return f"{self.area} {self.year}"


class AreaEthnicPopulation(TimeStampedModel):
    """The rural registered population of one ethnic group in an area and year: the denominator of a group's
    贫困发生率 (the first seed's "直过民族" incidence), which the area's total population cannot give."""

    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="ethnic_years")
    year = models.PositiveSmallIntegerField(_("year"))
    ethnicity = models.CharField(_("ethnic group"), max_length=2)  # the registry's 民族 code (GB 3304)
    rural_population = models.PositiveIntegerField(_("rural registered population"))

    area_paths = ("area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("ethnic group's rural population")
        verbose_name_plural = _("ethnic groups' rural population")
        ordering = ["area_id", "year", "ethnicity"]
        constraints = [models.UniqueConstraint(fields=["area", "year", "ethnicity"],
                                               name="unique_area_ethnic_population")]

    def __str__(self) -> str:
        return f"{self.area} {self.year} {self.ethnicity}"


class AreaLocation(TimeStampedModel):
    """Where an area is on the ground: a centroid (WGS-84 degrees, as phones report them) and, where one is known,
    its boundary as a GeoJSON Polygon or MultiPolygon. Field check-ins and visits compare the phone's position with
    it (distance to the centroid, or whether the point is inside the boundary when there is one)."""

    area = models.OneToOneField(Area, verbose_name=_("area"), on_delete=models.PROTECT, primary_key=True,
                                related_name="location")
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    area_paths = ("area",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("area location")
        verbose_name_plural = _("area locations")
        ordering = ["area_id"]

    def __str__(self) -> str:
        return f"{self.area_id} ({self.latitude}, {self.longitude})"
