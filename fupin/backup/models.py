from django.db import models
from django.utils.translation import gettext_lazy as _


class Restoration(models.Model):
    """A database's own record of having been restored from a backup (written by `fupin restore` into the database
    it restored). It makes a second run of the same restore recognise its own work, and it travels with later
    backups, so a database restored from a restored database still says where it came from."""

    backup_id = models.CharField(_("backup"), max_length=64, db_index=True)
    backup_created_at = models.DateTimeField(_("backup made at"))
    source_identity = models.CharField(_("identity of the backed-up database"), max_length=36)
    identity = models.CharField(_("identity given to the restored database"), max_length=36)
    restored_at = models.DateTimeField(_("restored at"), auto_now_add=True)

    class Meta:
        verbose_name = _("restoration")
        verbose_name_plural = _("restorations")
        ordering = ["restored_at"]

    def __str__(self) -> str:
        return f"{self.backup_id} → {self.identity}"
