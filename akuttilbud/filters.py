import django_filters
from django.utils.translation import gettext_lazy as _

from .models import AuditAction, AuditEvent


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, label=_("Action"))
    # As long as a user name can be: a longer one matches nothing, and SQLite refuses huge LIKE patterns.
    username = django_filters.CharFilter(lookup_expr="iexact", label=_("User name"), max_length=150)
    person_id = django_filters.NumberFilter(label=_("Person number (id)"))
    from_date = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label=_("From"))
    to_date = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label=_("To"))

    class Meta:
        model = AuditEvent
        fields = ["action", "username", "person_id"]
