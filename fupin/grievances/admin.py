"""Complaint categories and cadres' accounts are edited here through the services (checked and audited). Tickets
are not: their pages and API handle them, and the admin would show the reporter's identity to support staff."""

from django.contrib import admin, messages

from fupin.core.errors import ServiceError

from . import services
from .models import CadreAccount, Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh_hans", "name_en", "deadline_days", "handling_level", "certainty", "active"]
    list_filter = ["active", "certainty"]

    def save_model(self, request, obj, form, change):
        try:
            services.category_save(actor=request.user, category=obj, is_new=not change)
        except ServiceError as exc:
            messages.error(request, str(exc))

    def has_delete_permission(self, request, obj=None):
        return False  # tickets keep their category: retire it (active) instead


@admin.register(CadreAccount)
class CadreAccountAdmin(admin.ModelAdmin):
    list_display = ["cadre", "user", "linked_at"]
    raw_id_fields = ["cadre", "user"]

    def save_model(self, request, obj, form, change):
        try:
            services.cadre_account_link(actor=request.user, cadre=obj.cadre, user=obj.user)
        except ServiceError as exc:
            messages.error(request, str(exc))

    def delete_model(self, request, obj):
        services.cadre_account_unlink(actor=request.user, link=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.cadre_account_unlink(actor=request.user, link=obj)
