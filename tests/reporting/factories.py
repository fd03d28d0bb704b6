"""Factories for the models the reporting tests need beyond tests/factories.py."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from akuttilbud import phone
from crisisplans.models import CrisisPlan, FollowUp, Occasion, WellbeingScore
from crisisplans.swemwbs import METRIC
from partners.models import Partner, PartnerKind, Referral, ReferralDirection
from reporting import summaries
from reporting.models import CostCategory, CostEntry
from telephony import call_summary
from telephony.models import CallSession, Line
from tests.factories import MarksSummaryDays, PersonFactory, UserFactory


class CrisisPlanFactory(MarksSummaryDays, factory.django.DjangoModelFactory):
    class Meta:
        model = CrisisPlan

    _marks = staticmethod(summaries.plan_changed)

    person = factory.SubFactory(PersonFactory)
    created_at = factory.LazyFunction(timezone.now)
    created_by = factory.SubFactory(UserFactory)


class FollowUpFactory(MarksSummaryDays, factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    _marks = staticmethod(summaries.follow_up_changed)

    plan = factory.SubFactory(CrisisPlanFactory)
    first_due_at = factory.LazyAttribute(
        lambda follow_up: follow_up.plan.created_at + datetime.timedelta(days=5)
    )
    due_at = factory.SelfAttribute("first_due_at")


def _item(raw, number):
    """Seven answers of 1–5 that sum to ``raw``."""
    base, remainder = divmod(raw, 7)
    return base + (1 if number <= remainder else 0)


class WellbeingScoreFactory(factory.django.DjangoModelFactory):
    """Pass ``raw=`` for a score whose seven items sum to it."""

    class Meta:
        model = WellbeingScore
        exclude = ("raw",)

    raw = 21
    person = factory.SubFactory(PersonFactory)
    occasion = Occasion.CONTACT
    recorded_at = factory.LazyFunction(timezone.now)
    recorded_by = factory.SubFactory(UserFactory)
    item_1 = factory.LazyAttribute(lambda score: _item(score.raw, 1))
    item_2 = factory.LazyAttribute(lambda score: _item(score.raw, 2))
    item_3 = factory.LazyAttribute(lambda score: _item(score.raw, 3))
    item_4 = factory.LazyAttribute(lambda score: _item(score.raw, 4))
    item_5 = factory.LazyAttribute(lambda score: _item(score.raw, 5))
    item_6 = factory.LazyAttribute(lambda score: _item(score.raw, 6))
    item_7 = factory.LazyAttribute(lambda score: _item(score.raw, 7))
    raw_score = factory.SelfAttribute("raw")
    metric_score = factory.LazyAttribute(lambda score: Decimal(METRIC[score.raw]))


class PartnerKindFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerKind
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Partnertype {n}")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner {n}")
    kind = factory.SubFactory(PartnerKindFactory)


class ReferralFactory(MarksSummaryDays, factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    _marks = staticmethod(summaries.referral_changed)

    partner = factory.SubFactory(PartnerFactory)
    direction = ReferralDirection.OUT
    created_by = factory.SubFactory(UserFactory)


class CostEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CostEntry

    month = datetime.date(2026, 10, 1)
    category = CostCategory.SALARIES
    amount = Decimal("100000.00")
    created_by = factory.SubFactory(UserFactory)


class CallSessionFactory(factory.django.DjangoModelFactory):
    """Pass ``phone=`` for a caller's number (stored as the line stores it) or none for a
    withheld one; the status is derived from the times, as the line derives it."""

    class Meta:
        model = CallSession

    call_id = factory.Sequence(lambda n: f"call-{n}")
    line = factory.LazyFunction(lambda: Line.objects.get_or_create(code="akut", defaults={"name": "Akut"})[0])

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        number = kwargs.pop("phone", None)
        call = model_class(**kwargs)
        if number:
            call.set_phone(phone.parse(number))
            call.caller_withheld = False
        call.status = call.derive_status()
        call.save()
        # Counted into the per-day summary as the line's event service counts its calls.
        call_summary.move(None, call_summary.entry(call))
        return call
