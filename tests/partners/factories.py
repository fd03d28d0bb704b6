"""Factories for the partners app."""

import datetime

import factory
from django.utils import timezone

from partners.models import (
    Agreement,
    AgreementType,
    Partner,
    PartnerContactPerson,
    PartnerKind,
    Referral,
    ReferralDirection,
)
from reporting import summaries
from tests.factories import ContactFactory, MarksSummaryDays, UserFactory


class PartnerKindFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerKind
        django_get_or_create = ("name",)

    name = "Regionspsykiatri"


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Samarbejdspartner {n}")
    kind = factory.SubFactory(PartnerKindFactory)
    phone = "70 20 30 40"
    opening_hours = "Hverdage 8-16"


class PartnerContactPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerContactPerson

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Kontakt {n}")
    role = "Afdelingsleder"


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    partner = factory.SubFactory(PartnerFactory)
    type = AgreementType.COLLABORATION
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=100))
    valid_to = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=265))
    terms = "Gensidig henvisning i åbningstiden."


class ReferralFactory(MarksSummaryDays, factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    _marks = staticmethod(summaries.referral_changed)

    contact = factory.SubFactory(ContactFactory)
    partner = factory.SubFactory(PartnerFactory)
    direction = ReferralDirection.OUT
    reason = "Behov for behandling"
    created_by = factory.SubFactory(UserFactory)
