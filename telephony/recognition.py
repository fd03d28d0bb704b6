"""What is known about a caller's number while the call rings or is talked.

Everything is found through the number's blind index; nothing decrypts a number. The earlier
calls and an open call-back are shown for any number, since they say nothing about who rings. A
person is shown only where staff have linked the number to them (``NumberLink``), and showing
them is audited as a read of that person, so it appears in their access report.
"""

import dataclasses
import datetime

from django.utils import timezone

from akuttilbud.audit import audit
from akuttilbud.models import AuditAction
from contacts.models import Callback, Person
from crisisplans.models import CrisisPlan

from .models import CallSession, CallStatus, NumberLink

RECENT_DAYS = 30


@dataclasses.dataclass
class LinkedPerson:
    person: Person
    open_plan: CrisisPlan | None


@dataclasses.dataclass
class KnownCaller:
    """What the board's call card shows about the number of ``call``."""

    call: CallSession
    recent_calls: int = 0
    recent_contacts: int = 0
    last_call: CallSession | None = None
    open_callback: Callback | None = None
    persons: list[LinkedPerson] = dataclasses.field(default_factory=list)

    @property
    def withheld(self):
        return not self.call.phone_index

    @property
    def linked_person_ids(self):
        return {linked.person.pk for linked in self.persons}


def known_caller(call, *, user, request=None, now=None):
    """What is known about ``call``'s number; an audited read of the linked persons shown.

    A fixed number of queries whatever the number's history: earlier calls (counts and the last
    one), an open call-back, the links with their persons, their open plans and one audit event.
    """
    found = KnownCaller(call=call)
    index = call.phone_index
    if not index:
        return found
    since = (now or timezone.now()) - datetime.timedelta(days=RECENT_DAYS)
    earlier = CallSession.objects.with_phone_index(index).exclude(pk=call.pk).filter(ringing_at__gte=since)
    found.recent_calls = earlier.count()
    if found.recent_calls:
        found.recent_contacts = earlier.filter(contact__isnull=False).count()
        found.last_call = earlier.exclude(status=CallStatus.OUTGOING).order_by("-ringing_at").first()
    found.open_callback = Callback.objects.open().filter(phone_index=index).order_by("due_at").first()
    first_links = {}
    for link in NumberLink.objects.for_index(index).order_by("linked_at"):
        # Each person once, however often linked (two linked citizens merged, two staff at once).
        first_links.setdefault(link.person_id, link)
    links = list(first_links.values())
    if links:
        plans = {}
        for plan in CrisisPlan.objects.open().filter(person__in=[link.person_id for link in links]):
            plans.setdefault(plan.person_id, plan)
        found.persons = [LinkedPerson(link.person, plans.get(link.person_id)) for link in links]
        # One read of the call that disclosed each person, in each one's access report.
        audit(
            AuditAction.VIEW,
            request=request,
            user=user,
            obj=call,
            person_ids=[link.person_id for link in links],
            detail={"shown_from": "caller"},
        )
    return found


def link_number(*, call, person, user, request=None):
    """Link ``call``'s number to ``person``, so later calls from it show them; audited.

    Linking again returns the existing link. Raises ``ValueError`` for a call without a number
    (withheld, or its index already deleted by retention).
    """
    if not call.phone_index:
        raise ValueError("the call has no number to link")
    link = NumberLink.objects.filter(phone_index=call.phone_index, person=person).first()
    if link is None:
        link = NumberLink.objects.create(phone_index=call.phone_index, person=person, linked_by=user)
        audit(
            AuditAction.PHONE_LINK,
            request=request,
            user=user,
            obj=link,
            person=person,
            detail={"call_id": call.pk},
        )
    return link


def unlink_number(*, call, person, user, request=None):
    """Remove the link between ``call``'s number and ``person``; audited when there was one."""
    deleted, _rows = NumberLink.objects.filter(phone_index=call.phone_index or None, person=person).delete()
    if deleted:
        audit(
            AuditAction.PHONE_LINK,
            request=request,
            user=user,
            obj=person,
            person=person,
            detail={"call_id": call.pk, "removed": True},
        )
    return bool(deleted)
