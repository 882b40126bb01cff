import json

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from fupin.core.admin import ReadOnlyAdmin

from .models import AuditEvent, AuditRecordChange
from .registry import label_for


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["seq", "occurred_at", "actor_name", "action_label", "object_type", "object_id", "area_code",
                    "key_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "actor_name", "request_id", "area_code"]

    @admin.display(description=_("action"))
    def action_label(self, event):
        return label_for(event.action)



@admin.register(AuditRecordChange)
class AuditRecordChangeAdmin(ReadOnlyAdmin):
    """Each record a bulk write created or changed; who and when are its covering event's."""

    list_display = ["id", "object_type", "object_id", "area_code", "who", "when"]
    list_filter = ["object_type"]
    list_select_related = ["change_set__event"]
    show_full_result_count = False  # millions of rows: no count of them all on every page

    # The detail page shows the values by name: a compact row's stored text is a bare list (its covering event
    # names the columns).
    readonly_fields = ["values_before", "values_after"]

    @admin.display(description=_("values before"))
    def values_before(self, change):
        return _values_text(change, 0)

    @admin.display(description=_("values after"))
    def values_after(self, change):
        return _values_text(change, 1)

    @admin.display(description=_("who"))
    def who(self, change):
        event = change.change_set.event
        return event.actor_name if event else ""

    @admin.display(description=_("when"))
    def when(self, change):
        event = change.change_set.event
        return event.occurred_at if event else None


def _values_text(change: AuditRecordChange, which: int) -> str:
    try:
        values = change.values()[which]
    except ValueError:  # a compact row whose set no event covers: `fupin audit verify` reports it
        return (change.before, change.after)[which] or ""
    return "" if values is None else json.dumps(values, ensure_ascii=False, indent=1)
