"""Demo calls on the line, recorded through ``record_call_event`` as a switchboard's would be:
answered and described, answered and left undescribed, one on the phone now, abandoned (one
later got through), a short abandon, a voicemail and a withheld number."""

import datetime

from django.utils import timezone

from . import desk, services
from .models import CallSession, Extension, TelephonySettings

# (minutes ago it rang, seconds to answer or None, seconds it lasted or None while on the line,
#  the caller's number or "withheld", "voicemail" when it left one, the extension that answered)
CALLS = [
    (300, 25, 900, "+4521436587", "", "201"),
    (240, 70, 1500, "+4531425364", "", "202"),
    (180, None, 45, "+4540302010", "", ""),
    (150, 15, 600, "+4540302010", "", "201"),
    (120, None, 3, "+4550607080", "", ""),
    (95, None, 80, "+4561524334", "voicemail", ""),
    (70, None, 60, "withheld", "", ""),
    (65, 40, 700, "+4522446688", "", "202"),
    (50, None, 35, "+4526151413", "", ""),
    (3, 30, None, "+4529181716", "", "201"),
]
# The answered calls staff described, by their place in CALLS; the rest are left to the task.
DESCRIBED = {0: "Uro om natten, aftalt at ringe igen i morgen", 3: "Ringede tilbage efter mistet opkald"}


def seed(*, rng, users, stdout):
    now = timezone.now()
    call_prefix = f"demo-{timezone.localdate(now):%Y%m%d}"
    if CallSession.objects.filter(call_id__startswith=call_prefix).exists():
        stdout.write("Calls: already there, left alone.")
        return
    TelephonySettings.load()
    Extension.objects.get_or_create(number="201", defaults={"user": users["staff"]})
    Extension.objects.get_or_create(number="202", defaults={"user": users["staff2"]})
    sessions = []
    for place, (minutes_ago, answer_after, lasted, caller, voicemail, extension) in enumerate(CALLS):
        call_id = f"{call_prefix}-{place}"
        rang = now - datetime.timedelta(minutes=minutes_ago, seconds=rng.randint(0, 50))
        steps = [("ringing", 0, "")]
        if answer_after is not None:
            steps.append(("answered", answer_after, extension))
        if voicemail:
            steps.append(("voicemail", lasted - 30, ""))
        if lasted is not None:
            steps.append(("ended", lasted, ""))
        for event, offset, event_extension in steps:
            session = services.record_call_event(
                call_id=call_id,
                event=event,
                at=rang + datetime.timedelta(seconds=offset),
                line="akut",
                caller=caller,
                extension=event_extension,
                event_id=f"{call_id}-{event}",
                source="demo",
            )
        sessions.append(session)
    for place, summary in DESCRIBED.items():
        session = sessions[place]
        desk.log_call(
            user=session.answered_by, session=session, channel="phone", acuteness=3, summary=summary
        )
    undescribed = desk.save_undescribed_calls(now=now)
    stdout.write(
        f"Calls: {len(sessions)} on the line, {len(DESCRIBED)} described, {len(undescribed)} saved undescribed."
    )
