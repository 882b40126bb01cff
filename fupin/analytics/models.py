from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SnapshotPartition(models.Model):
    """Fill state of one Parquet file of the live snapshot: one year of one county.

    `mark` is the county-year's change counter (core.ChangeMark) that the file was filled from, `rollup_mark` the
    one the stored rollups were computed from: either is stale exactly when the counter has moved past it. The file
    has a name of its own per fill (`file`), and the row is saved only after the file is in place, so a record
    always names the file filled for it: a fill killed half-way leaves the old file recorded, a file missing (a
    database restored elsewhere) is refilled, and a file never belongs to another fill. `signature` names the fact
    schema the file was written under.
    """

    year = models.PositiveSmallIntegerField(_("year"))
    county_code = models.CharField(_("county code"), max_length=6)
    signature = models.CharField(_("signature"), max_length=200)
    rows = models.PositiveIntegerField(_("rows"))
    mark = models.PositiveBigIntegerField(_("change mark filled"), default=0)
    rollup_mark = models.PositiveBigIntegerField(_("change mark in the rollups"), default=0)
    file = models.CharField(_("file"), max_length=100, blank=True)
    filled_at = models.DateTimeField(_("filled at"), auto_now=True)

    class Meta:
        verbose_name = _("snapshot partition")
        verbose_name_plural = _("snapshot partitions")
        constraints = [models.UniqueConstraint(fields=["year", "county_code"], name="unique_snapshot_partition")]

    def __str__(self) -> str:
        return f"{self.year}/{self.county_code}"


class FrozenSnapshot(models.Model):
    """A year-end ledger (年度台账): a read-only copy of a year's snapshot that later edits never move."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    rows = models.PositiveBigIntegerField(_("rows"))
    manifest = models.JSONField(_("manifest"), default=list)  # [{file, rows, sha256}]
    frozen_at = models.DateTimeField(_("frozen at"), auto_now_add=True)
    frozen_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("frozen by"), null=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("frozen snapshot")
        verbose_name_plural = _("frozen snapshots")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class Rollup(models.Model):
    """A precomputed figure: what dashboards and report cards read in milliseconds.

    `breakdown` is empty for the total, or "dimension:code" (e.g. "ethnicity:01"). One refresh replaces every row
    of a (year, metric) at once, inside one transaction.
    """

    area_code = models.CharField(_("area code"), max_length=12)
    level = models.PositiveSmallIntegerField(_("level"))
    year = models.PositiveSmallIntegerField(_("year"))
    metric = models.CharField(_("metric"), max_length=40)
    breakdown = models.CharField(_("breakdown"), max_length=40, blank=True)
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=10)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("rollup")
        verbose_name_plural = _("rollups")
        constraints = [
            models.UniqueConstraint(fields=["area_code", "year", "metric", "breakdown"], name="unique_rollup"),
        ]
        indexes = [models.Index(fields=["year", "metric", "level", "area_code"], name="rollup_lookup")]

    def __str__(self) -> str:
        return f"{self.area_code} {self.year} {self.metric} {self.breakdown}"


class RollupYear(models.Model):
    """A year the rollups hold and when its rows were last written. The dashboard's list of years, its "as of" and
    the refresh's check for years without rollups read these few rows: the same answers from the rollups
    themselves are scans of millions of rows at national size (PostgreSQL has no skip scan)."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("rollup year")
        verbose_name_plural = _("rollup years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)
