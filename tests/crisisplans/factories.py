"""Factories for the crisis plans app; build plans through the real service where it matters."""

import factory
from django.utils import timezone

from crisisplans.models import CrisisPlan, FollowUp, FollowUpStatus
from reporting import summaries
from tests.factories import ContactFactory, MarksSummaryDays, PersonFactory, UserFactory

SECTIONS = {
    "warning_signs": ["Jeg sover dårligt", "Jeg trækker mig fra andre"],
    "own_coping": ["Gå en tur ved søerne"],
    "distractions": ["Biblioteket"],
    "people_to_ask": [{"name": "Søster Anne", "phone": "20304050"}],
    "professionals": [{"name": "Egen læge", "phone": "33445566"}],
    "safe_surroundings": ["Giv pillerne til Anne"],
    "reasons_to_live": ["Min hund"],
    "wishes_for_staff": ["Tal roligt til mig"],
}


class IdentifiedPersonFactory(PersonFactory):
    name = "Jonas Holm"
    cpr = factory.Sequence(lambda n: f"010190{n % 4000:04d}")


class PlanFactory(MarksSummaryDays, factory.django.DjangoModelFactory):
    """A bare plan row (no revision, no follow-up): for bulk data. Use ``services.create_plan``
    when the behaviour of creating a plan matters."""

    class Meta:
        model = CrisisPlan

    _marks = staticmethod(summaries.plan_changed)

    person = factory.SubFactory(PersonFactory, name="Jonas Holm")
    contact = None
    created_by = factory.SubFactory(UserFactory)
    created_at = factory.LazyFunction(timezone.now)
    sections = factory.LazyFunction(lambda: dict(SECTIONS))


class FollowUpFactory(MarksSummaryDays, factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    _marks = staticmethod(summaries.follow_up_changed)

    plan = factory.SubFactory(PlanFactory)
    due_at = factory.LazyFunction(timezone.now)
    first_due_at = factory.LazyAttribute(lambda follow_up: follow_up.due_at)
    status = FollowUpStatus.OPEN


def walk_in_contact(person, **kwargs):
    from contacts.models import Channel

    return ContactFactory(person=person, channel=Channel.WALK_IN, **kwargs)


def short_plan_form():
    """The least a new plan's form takes: a warning sign, a follow-up wish, no people."""
    data = {
        "warning_signs": "Sover dårligt",
        "wants_follow_up": "on",
        "follow_up_channel": "phone",
        "follow_up_time_of_day": "evening",
        "citizen_knows_staff_can_read": "on",
    }
    for key in ("people_to_ask", "professionals"):
        data.update({f"{key}-TOTAL_FORMS": "0", f"{key}-INITIAL_FORMS": "0"})
    return data
