import datetime

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from akuttilbud.models import Role, User
from akuttilbud.widgets import DateInput

from .models import Acuteness, Channel, Contact

# Dates outside this range cannot be a contact's and would overflow in time-zone arithmetic.
SENSIBLE_YEARS = range(1900, 2200)


def _local_midnight(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class ContactFilter(django_filters.FilterSet):
    from_date = django_filters.DateFilter(label=_("From"), method="filter_from", widget=DateInput())
    to_date = django_filters.DateFilter(label=_("To"), method="filter_to", widget=DateInput())
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices)
    acuteness = django_filters.ChoiceFilter(label=_("Acuteness"), choices=Acuteness.choices)
    staff = django_filters.ModelChoiceFilter(
        label=_("Staff member"),
        queryset=User.objects.filter(role__in=[Role.STAFF, Role.LEADER], is_active=True).order_by(
            "first_name", "username"
        ),
    )
    lacking_cpr = django_filters.BooleanFilter(
        label=_("Only those lacking a CPR number"),
        method="filter_lacking_cpr",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Contact
        fields = ["channel", "acuteness", "staff"]

    def filter_from(self, contacts, name, value):
        if value.year not in SENSIBLE_YEARS:
            return contacts
        return contacts.filter(started_at__gte=_local_midnight(value))

    def filter_to(self, contacts, name, value):
        if value.year not in SENSIBLE_YEARS:
            return contacts
        return contacts.filter(started_at__lt=_local_midnight(value + datetime.timedelta(days=1)))

    def filter_lacking_cpr(self, contacts, name, value):
        return contacts.lacking_cpr() if value else contacts
