from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import AuditEvent, Municipality, ServiceSettings, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (None, {"fields": ("role",)}))
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, (None, {"fields": ("role",)}))
    list_display = ("username", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active")


class ReadOnlyAdmin(admin.ModelAdmin):
    """A list to read, for records written only by services, which audit what they write."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the audit log is never edited or deleted through the app."""

    list_display = ("at", "username", "action", "object_type", "object_id", "person_id")
    list_filter = ("action",)


admin.site.register(Municipality)
admin.site.register(ServiceSettings)
