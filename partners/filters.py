import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Partner, PartnerKind


class PartnerFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("Name"))
    kind = django_filters.ModelChoiceFilter(queryset=PartnerKind.objects.all(), label=_("Kind"))

    class Meta:
        model = Partner
        fields = ["name", "kind"]
