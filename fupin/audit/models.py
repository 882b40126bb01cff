from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One attributable change, chained to the one before it by a keyed hash so that edits, deletions and
    insertions show (ADR 0014)."""

    seq = models.PositiveBigIntegerField(_("sequence"), unique=True)
    occurred_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(_("actor name"), max_length=150)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    area_code = models.CharField(_("area code"), max_length=12, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)
    # The id of the key (kept outside the database) the hash was computed with; "legacy": plain SHA-256, the
    # events recorded before the chain was keyed.
    key_id = models.CharField(_("key id"), max_length=32)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """A single row naming the last event: writers lock it to append in order, and verify reads it to
    notice events deleted from the end of the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"audit chain at #{self.last_seq}"


class AuditChangeSet(models.Model):
    """The per-record changes of one bulk write, covered by one audit event: the event's hashed `after` names this
    set, how many change rows it holds and a SHA-256 over them, so the rows are as tamper-evident as the event
    without a keyed hash each (ADR 0014, "Bulk writes")."""

    id = models.BigAutoField(primary_key=True)
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    # Set once the covering event is recorded (in the same transaction); verification trusts the event's own
    # hashed reference, not this column.
    event = models.OneToOneField(AuditEvent, verbose_name=_("audit event"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="change_set")

    class Meta:
        verbose_name = _("audit change set")
        verbose_name_plural = _("audit change sets")

    def __str__(self) -> str:
        return f"change set {self.pk}"


class AuditRecordChange(models.Model):
    """One record a bulk write created or changed: which record, in which area, its values before and after.
    Who and when are the covering event's. `before` and `after` are JSON text stored exactly as it was hashed, so
    verification hashes the stored bytes again (no parsing, no re-serialising)."""

    id = models.BigAutoField(primary_key=True)
    change_set = models.ForeignKey(AuditChangeSet, verbose_name=_("change set"), on_delete=models.PROTECT,
                                   related_name="changes", db_index=False)
    object_type = models.CharField(_("object type"), max_length=80)
    object_id = models.CharField(_("object id"), max_length=64)
    area_code = models.CharField(_("area code"), max_length=12, blank=True)
    before = models.TextField(_("before"), null=True, blank=True)  # null: the record was created
    after = models.TextField(_("after"), null=True, blank=True)  # null: the record was removed

    class Meta:
        verbose_name = _("audit record change")
        verbose_name_plural = _("audit record changes")
        # Verification reads a set's rows in the order they were written.
        indexes = [models.Index(fields=["change_set", "id"], name="audit_change_set_order")]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id}"

    def values(self) -> tuple[dict | None, dict | None]:
        """(before, after) by field name, whichever form the row stores: a compact row (a JSON array) is named by
        the column order its covering event gives (`fupin.audit.changes.change_values`)."""
        from .changes import change_values, set_columns  # that module writes these rows: it imports this one

        event = self.change_set.event
        columns = set_columns(event.after if event else None).get(self.object_type)
        return change_values(self.before, columns), change_values(self.after, columns)
