"""What the admin site of every app shares."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Support staff may read these records; nobody adds, edits or deletes them here: they change only through
    their services (permission, validation, one transaction, audit), and the audit trail not at all."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
