import io
import random

import pytest

from contacts.models import Callback, CallbackClosure, CallbackKind
from telephony import demo
from telephony.models import CallSession, CallStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _seed():
    users = {"staff": UserFactory(username="staff"), "staff2": UserFactory(username="staff2")}
    output = io.StringIO()
    demo.seed(rng=random.Random(82), users=users, stdout=output)
    return users, output.getvalue()


def test_the_demo_line_has_every_kind_of_call_and_what_each_leads_to():
    users, output = _seed()
    statuses = set(CallSession.objects.values_list("status", flat=True))
    assert {
        CallStatus.ANSWERED,
        CallStatus.ABANDONED,
        CallStatus.VOICEMAIL,
        CallStatus.IN_PROGRESS,
    } <= statuses
    assert CallSession.objects.filter(caller_withheld=True, status=CallStatus.ABANDONED).exists()
    live = CallSession.objects.get(status=CallStatus.IN_PROGRESS)
    assert live.answered_by == users["staff"] and live.contact is None
    # Every answered call that ended is one contact: described, or saved undescribed.
    answered = CallSession.objects.filter(status=CallStatus.ANSWERED)
    assert not answered.filter(contact__isnull=True).exists()
    assert answered.filter(contact_undescribed=True).exists()
    assert answered.filter(contact_undescribed=False).count() == len(demo.DESCRIBED)
    assert Callback.objects.filter(kind=CallbackKind.VOICEMAIL).exists()
    assert Callback.objects.filter(closed_by=CallbackClosure.GOT_THROUGH).count() == 1
    assert Callback.objects.open().count() == 2
    assert "10 on the line" in output


def test_the_demo_calls_are_seeded_once_a_day():
    _seed()
    count = CallSession.objects.count()
    users = {"staff": UserFactory(username="staff-b"), "staff2": UserFactory(username="staff2-b")}
    output = io.StringIO()
    demo.seed(rng=random.Random(1), users=users, stdout=output)
    assert CallSession.objects.count() == count
    assert "already there" in output.getvalue()
