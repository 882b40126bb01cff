from django.contrib import admin, messages

from fupin.core.errors import ServiceError

from . import services
from .models import ExitCondition, ExitThreshold, MonitoringThreshold, PolicyParameter, PovertyLine


class PolicyAdmin(admin.ModelAdmin):
    """Edits go through the policy services, so each one is checked and audited."""

    list_filter = ["province_code", "certainty"]

    def save_model(self, request, obj, form, change):
        try:
            services.policy_save(actor=request.user, row=obj, is_new=not change)
        except ServiceError as exc:
            messages.error(request, str(exc))

    def delete_model(self, request, obj):
        services.policy_delete(actor=request.user, row=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.policy_delete(actor=request.user, row=obj)


@admin.register(PovertyLine)
class PovertyLineAdmin(PolicyAdmin):
    list_display = ["year", "series", "province_code", "amount", "certainty"]
    list_filter = ["series", *PolicyAdmin.list_filter]


@admin.register(MonitoringThreshold)
class MonitoringThresholdAdmin(PolicyAdmin):
    list_display = ["year", "province_code", "amount", "certainty"]


@admin.register(ExitThreshold)
class ExitThresholdAdmin(PolicyAdmin):
    list_display = ["level", "region_class", "effective_year", "province_code", "max_incidence", "certainty"]


@admin.register(PolicyParameter)
class PolicyParameterAdmin(PolicyAdmin):
    list_display = ["code", "effective_year", "province_code", "value", "certainty"]


@admin.register(ExitCondition)
class ExitConditionAdmin(PolicyAdmin):
    list_display = ["code", "effective_year", "province_code", "enabled", "certainty"]
