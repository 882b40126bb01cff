"""What phones synced: one row per entry a user's phone sent, keyed by the client id the phone gave it.

The row is written in the same transaction as the record the entry made (or alone, when the entry was refused), so
an entry sent twice — the phone lost the answer, or the user pressed sync on two tabs — finds its row and gets the
same answer back without a second record. It also keeps what the phone measured that the target record has no
field for (a visit's distance from its village).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.accounts.scoping import ScopedQuerySet
from fupin.core.models import TimeStampedModel


class EntryKind(models.TextChoices):
    VISIT = "visit", _("household visit")
    CHECK_IN = "check_in", _("work-team check-in")
    MEMBER = "member", _("member update")
    INCOME = "income", _("income update")
    FOLLOW_UP = "follow_up", _("warning follow-up")


class EntryOutcome(models.TextChoices):
    APPLIED = "applied", _("applied")
    REFUSED = "refused", _("refused")
    CONFLICT = "conflict", _("conflict: the server's newer value was kept")


class FieldEntry(TimeStampedModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT,
                             related_name="+")
    client_id = models.UUIDField(_("client id"))
    kind = models.CharField(_("kind"), max_length=10, choices=EntryKind.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=EntryOutcome.choices)
    # The village the entry is about ("" when the phone named nothing the user may see).
    area_code = models.CharField(_("village"), max_length=12, blank=True, db_index=True)
    household = models.ForeignKey("registry.Household", verbose_name=_("household"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    object_type = models.CharField(_("record type"), max_length=60, blank=True)
    object_id = models.CharField(_("record id"), max_length=40, blank=True)
    recorded_at = models.DateTimeField(_("recorded on the phone at"), null=True, blank=True)
    distance_m = models.PositiveIntegerField(_("distance from the village (m)"), null=True, blank=True)
    far_from_village = models.BooleanField(_("far from the village"), default=False)
    answer = models.JSONField(_("answer sent to the phone"), default=dict)

    area_paths = ("area_code",)  # where its area is, for .scoped(actor, action)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("synced field entry")
        verbose_name_plural = _("synced field entries")
        ordering = ["-created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "client_id"], name="field_entry_once_per_user")]

    def __str__(self) -> str:
        return f"{self.kind} {self.client_id} {self.outcome}"
