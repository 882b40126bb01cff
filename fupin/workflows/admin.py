from django.contrib import admin

from fupin.core.admin import ReadOnlyAdmin

from . import services
from .models import Case, Decision, Notice, Objection, Procedure, ProcedureStep


class StepInline(admin.TabularInline):
    model = ProcedureStep
    extra = 0
    fields = ["order", "code", "name_zh", "name_en", "level", "action", "role", "notice", "notice_min_days",
              "needs_evidence"]


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    """Procedures are policy data: administrators edit them here; each save is audited by the service."""

    list_display = ["code", "name_zh", "subject", "effect", "max_days"]
    inlines = [StepInline]

    def save_model(self, request, obj, form, change):
        services.procedure_save(actor=request.user, procedure=obj)

    def save_formset(self, request, form, formset, change):
        steps = formset.save(commit=False)
        for removed in formset.deleted_objects:
            removed.delete()
        services.procedure_save(actor=request.user, procedure=form.instance, steps=steps)


admin.site.register([Case, Decision, Notice, Objection], ReadOnlyAdmin)
