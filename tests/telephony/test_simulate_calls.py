"""``simulate_calls`` posts signed events over HTTP to a running server, like a switchboard."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from telephony.models import CallSession, CallStatus


@pytest.mark.django_db(transaction=True)
def test_simulated_calls_reach_a_running_server_through_the_signed_api(live_server):
    call_command("simulate_calls", url=f"{live_server.url}/telephony/events/", calls=4, speed=10_000)
    statuses = sorted(CallSession.objects.values_list("status", flat=True))
    assert statuses == sorted(
        [CallStatus.ANSWERED, CallStatus.ABANDONED, CallStatus.VOICEMAIL, CallStatus.ANSWERED]
    )
    assert CallSession.objects.filter(caller_withheld=True).count() == 1
    assert all(session.events.get(kind="ringing").source == "api" for session in CallSession.objects.all())


@pytest.mark.django_db(transaction=True)
def test_a_wrong_secret_is_refused_by_the_server(live_server):
    with pytest.raises(CommandError, match="401"):
        call_command(
            "simulate_calls", url=f"{live_server.url}/telephony/events/", calls=1, speed=10_000, secret="x"
        )
    assert not CallSession.objects.exists()
