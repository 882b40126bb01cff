from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent
from .registry import label_for


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["seq", "occurred_at", "actor_name", "action_label", "object_type", "object_id", "area_code",
                    "key_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "actor_name", "request_id", "area_code"]

    @admin.display(description=_("action"))
    def action_label(self, event):
        return label_for(event.action)

    # The trail is append-only: support staff may read it, nobody edits it here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
