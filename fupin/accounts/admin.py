from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import AreaGrant, Role, User


class AreaGrantInline(admin.TabularInline):
    model = AreaGrant
    fk_name = "user"
    raw_id_fields = ["area"]
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = [*BaseUserAdmin.fieldsets, (None, {"fields": ["display_name", "roles"]})]
    inlines = [AreaGrantInline]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "actions"]


@admin.register(AreaGrant)
class AreaGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "area", "actions"]
    raw_id_fields = ["area", "user"]
