from django.contrib import admin

from akuttilbud.admin import ReadOnlyAdmin

from .models import Contact, Outcome, Reason


@admin.register(Reason)
class ReasonAdmin(admin.ModelAdmin):
    """A reason goes out of use by unticking "in use": deleting it would take it off every
    contact given it, and out of the counts of those contacts' days."""

    list_display = ["name", "position", "active"]
    list_editable = ["position", "active"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Outcome)
class OutcomeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "position", "active"]
    list_editable = ["position", "active"]


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    """A plain list of contacts; read-only, since changes here would bypass the audit log."""

    list_display = ["started_at", "channel", "direction", "person", "acuteness", "staff"]
    list_filter = ["channel"]
    # The contact list's page size, so that page 500 holds the same contacts in both.
    list_per_page = 50
