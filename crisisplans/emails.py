"""The e-mails of the crisis plans app. Each names citizens only by initials and record number."""

import logging

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from akuttilbud import outbox
from akuttilbud.models import Role, User
from partners.models import Agreement

from .models import FollowUp

logger = logging.getLogger(__name__)

AGREEMENT_WARNING_DAYS = 30
# A digest names this many follow-ups of each list and counts the rest: a longer mail is not read,
# and rendering every row of a large backlog would hold up the job.
DIGEST_LIMIT = 200


def _addresses(role):
    return list(
        User.objects.filter(is_active=True, role=role)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )


def _send(template, context, recipients):
    outbox.enqueue(
        subject=" ".join(render_to_string(f"{template}.subject.txt", context).split()),
        body=render_to_string(f"{template}.txt", context),
        html=render_to_string(f"{template}.html", context),
        recipients=recipients,
        now=context["now"],
    )


def queue_reminder_digest(*, follow_up_ids, now):
    """Put in the outbox one digest of the follow-ups just reminded to staff; leaders also get
    what is overdue and the partner agreements that expire within 30 days. Call it in the
    transaction that marks them reminded."""
    template = "crisisplans/email/reminder_digest"
    listed = follow_up_ids[:DIGEST_LIMIT]
    due = list(FollowUp.objects.filter(pk__in=listed).select_related("plan__person").order_by("due_at"))
    more_due = len(follow_up_ids) - len(listed)
    with translation.override(settings.LANGUAGE_CODE):
        staff = _addresses(Role.STAFF)
        if staff:
            _send(template, {"due": due, "more_due": more_due, "now": now, "for_leader": False}, staff)
        leaders = _addresses(Role.LEADER)
        if leaders:
            overdue_follow_ups = FollowUp.objects.overdue(now)
            overdue = list(
                overdue_follow_ups.select_related("plan__person").order_by("due_at")[:DIGEST_LIMIT]
            )
            more_overdue = overdue_follow_ups.count() - len(overdue) if len(overdue) == DIGEST_LIMIT else 0
            agreements = list(
                Agreement.objects.expiring_within(timezone.localdate(now), days=AGREEMENT_WARNING_DAYS)
                .select_related("partner")
                .order_by("valid_to")
            )
            context = {
                "due": due,
                "more_due": more_due,
                "now": now,
                "for_leader": True,
                "overdue": overdue,
                "more_overdue": more_overdue,
                "agreements": agreements,
            }
            _send(template, context, leaders)
    logger.info(
        "reminder digest queued for %s follow-ups to %s staff and %s leaders",
        len(follow_up_ids),
        len(staff),
        len(leaders),
    )
