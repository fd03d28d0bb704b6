"""The records a period holds, one way for the dashboard and the exports alike.

Each function takes a ``Period`` (local dates, ``[start, end)``) and returns a QuerySet built
on the owning app's own QuerySet methods, so a figure and an export row count the same things.
"""

from django.db.models import Exists, OuterRef, Q

from contacts.models import Callback, Contact, Person, Stay
from crisisplans.models import CrisisPlan, FollowUp, Occasion, WellbeingScore
from partners.models import Referral
from telephony.models import CallSession

from .models import CostEntry

WITHOUT_CPR = Q(cpr_index__isnull=True)


def contacts(period):
    """Contacts started in the period."""
    return Contact.objects.in_period(period.start_at, period.end_at)


def callbacks(period):
    """Call-backs owed for calls received in the period."""
    return Callback.objects.filter(received_at__gte=period.start_at, received_at__lt=period.end_at)


def stays(period):
    """Stays that share any time with the period, including those crossing its edges."""
    return Stay.objects.overlapping(period.start_at, period.end_at)


def plans(period):
    """Crisis plans made in the period."""
    return CrisisPlan.objects.in_period(period.start_at, period.end_at)


def follow_ups(period):
    """Follow-ups first due in the period: the date the promise to the citizen was made for."""
    return FollowUp.objects.filter(first_due_at__gte=period.start_at, first_due_at__lt=period.end_at)


def wellbeing_scores(period):
    """SWEMWBS answers recorded in the period."""
    return WellbeingScore.objects.in_period(period.start_at, period.end_at)


def wellbeing_scores_with_pairs(period):
    """The period's scores, and the follow-up scores recorded after its end by citizens with an
    at-contact score in it: the SWEMWBS figure pairs an at-contact score with the citizen's first
    follow-up score after it, however long after (a follow-up comes weeks later)."""
    at_contact = wellbeing_scores(period).filter(occasion=Occasion.CONTACT, person=OuterRef("person"))
    return WellbeingScore.objects.filter(
        Q(recorded_at__gte=period.start_at, recorded_at__lt=period.end_at)
        | (Exists(at_contact) & Q(occasion=Occasion.FOLLOW_UP, recorded_at__gte=period.end_at))
    )


def calls(period):
    """Calls that reached the phone line in the period."""
    return CallSession.objects.in_period(period.start_at, period.end_at)


def referrals(period):
    """Referrals made at contacts started in the period."""
    return Referral.objects.in_period(period.start_at, period.end_at)


def costs(period):
    """Cost entries of every month the period touches."""
    months = period.months()
    return CostEntry.objects.in_months(months[0], months[-1])


def persons_with_activity(period):
    """Persons with a contact, stay, plan, due follow-up or score in the period."""
    return Person.objects.filter(
        Exists(contacts(period).filter(person=OuterRef("pk")))
        | Exists(stays(period).filter(person=OuterRef("pk")))
        | Exists(plans(period).filter(person=OuterRef("pk")))
        | Exists(follow_ups(period).filter(plan__person=OuterRef("pk")))
        | Exists(wellbeing_scores(period).filter(person=OuterRef("pk")))
    )
