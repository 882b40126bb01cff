from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrievancesConfig(AppConfig):
    name = "fupin.grievances"
    label = "grievances"
    verbose_name = _("Complaints and reports (信访 / 12317)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Objections to public notices are one channel of complaints. The procedures app sits below this one and
        # may not know it, so the ticket is made on Django's post_save of the objection, inside the transaction
        # that records it (both are kept or neither).
        from django.db.models.signals import post_save

        from fupin.workflows.models import Objection

        from .hooks import objection_recorded

        post_save.connect(objection_recorded, sender=Objection, dispatch_uid="grievances-objection-ticket")
