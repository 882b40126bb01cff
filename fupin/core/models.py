"""Abstract bases shared by every domain model. No domain logic lives here."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(TimeStampedModel):
    """Optimistic locking: services compare the version a client read with the stored one before writing."""

    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        abstract = True


class DatabaseIdentity(models.Model):
    """Who this database is: one row, made by the migration that creates the table (so a backup carries it).

    Files kept beside the database (statistics snapshots) live under this identity, so two databases used from one
    checkout never read each other's files, and a database restored elsewhere finds its own files or none.
    """

    uuid = models.UUIDField(_("identity"), unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("database identity")
        verbose_name_plural = _("database identities")

    def __str__(self) -> str:
        return str(self.uuid)


class ChangeMark(models.Model):
    """A counter per (county, year) that every write to the records behind the statistics increments.

    Whatever is computed from those records (a snapshot partition, the rollups) remembers the counter it saw, and is
    stale exactly when the counter has moved since. `year` 0 is not used: a change that touches every year of a
    household marks each of its years.
    """

    county_code = models.CharField(_("county code"), max_length=6)
    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveBigIntegerField(_("version"), default=1)
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("change mark")
        verbose_name_plural = _("change marks")
        constraints = [models.UniqueConstraint(fields=["county_code", "year"], name="unique_change_mark")]
        indexes = [models.Index(fields=["year", "county_code"], name="change_mark_year")]

    def __str__(self) -> str:
        return f"{self.county_code}/{self.year}: {self.version}"
