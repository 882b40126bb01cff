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
