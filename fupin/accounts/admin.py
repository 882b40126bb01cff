"""The admin for accounts, roles and grants. Every change of who may do what made here is audited, as the services
audit theirs (fupin.accounts.services: grant_audit, role_audit, user_access_audit)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction

from . import services
from .models import AreaGrant, Role, User


class AreaGrantInline(admin.TabularInline):
    model = AreaGrant
    fk_name = "user"
    raw_id_fields = ["area"]
    extra = 0


def _grants_before(queryset) -> dict[int, dict]:
    return {grant.pk: services.grant_state(grant) for grant in queryset.select_related("user", "role")}


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = [*BaseUserAdmin.fieldsets, (None, {"fields": ["display_name", "roles"]})]
    inlines = [AreaGrantInline]

    def changeform_view(self, request, *args, **kwargs):
        with transaction.atomic():  # the change and its audit events commit together
            return super().changeform_view(request, *args, **kwargs)

    def save_model(self, request, obj, form, change):
        stored = User.objects.filter(pk=obj.pk).first() if change and obj.pk else None
        request.fupin_access_before = services.user_access_state(stored) if stored else None
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not AreaGrant:
            return super().save_formset(request, form, formset, change)
        before = _grants_before(AreaGrant.objects.filter(user=form.instance))
        for deleted in formset.deleted_forms:  # audited before the delete, which forgets the grant's id
            grant = deleted.instance
            if grant.pk in before:
                services.grant_audit(actor=request.user, grant=grant, before=before[grant.pk], deleted=True)
        super().save_formset(request, form, formset, change)
        for grant in [*formset.new_objects, *(obj for obj, _fields in formset.changed_objects)]:
            services.grant_audit(actor=request.user, grant=grant, before=before.get(grant.pk))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.user_access_audit(actor=request.user, user=form.instance,
                                   before=getattr(request, "fupin_access_before", None))

    def delete_model(self, request, obj):
        with transaction.atomic():
            for grant in AreaGrant.objects.filter(user=obj).select_related("user", "role"):
                services.grant_audit(actor=request.user, grant=grant, before=services.grant_state(grant),
                                     deleted=True)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for user in queryset:
                self.delete_model(request, user)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "actions"]

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            stored = Role.objects.filter(pk=obj.pk).first() if change and obj.pk else None
            super().save_model(request, obj, form, change)
            services.role_audit(actor=request.user, role=obj,
                                before=services.role_state(stored) if stored else None)

    def delete_model(self, request, obj):
        with transaction.atomic():
            before = services.role_state(obj)
            for grant in AreaGrant.objects.filter(role=obj).select_related("user", "role"):
                services.grant_audit(actor=request.user, grant=grant, before=services.grant_state(grant),
                                     deleted=True)
            services.role_audit(actor=request.user, role=obj, before=before, deleted=True)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for role in queryset:
                self.delete_model(request, role)


@admin.register(AreaGrant)
class AreaGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "area", "actions"]
    raw_id_fields = ["area", "user"]

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            before = _grants_before(AreaGrant.objects.filter(pk=obj.pk)).get(obj.pk) if change else None
            super().save_model(request, obj, form, change)
            services.grant_audit(actor=request.user, grant=obj, before=before)

    def delete_model(self, request, obj):
        with transaction.atomic():
            services.grant_audit(actor=request.user, grant=obj, before=services.grant_state(obj), deleted=True)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for grant in queryset.select_related("user", "role"):
                self.delete_model(request, grant)
