import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Partner, PartnerKind


class PartnerFilter(django_filters.FilterSet):
    # As long as a name can be: SQLite refuses huge LIKE patterns.
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("Name"), max_length=150)
    kind = django_filters.ModelChoiceFilter(queryset=PartnerKind.objects.all(), label=_("Kind"))

    class Meta:
        model = Partner
        fields = ["name", "kind"]
