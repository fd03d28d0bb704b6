"""Writes of the crisis plans app: plans and their revisions, follow-ups, SWEMWBS scores, reminders."""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from akuttilbud import database, outbox
from akuttilbud.audit import audit
from akuttilbud.locking import EditConflict
from akuttilbud.models import AuditAction, ServiceSettings
from reporting import summaries

from . import emails
from .models import (
    TIME_OF_DAY_CLOCK,
    CrisisPlan,
    CrisisPlanRevision,
    FollowUp,
    FollowUpAttempt,
    FollowUpStatus,
    Occasion,
    Reminder,
    WellbeingScore,
)
from .swemwbs import ITEM_FIELDS, clean_answers

logger = logging.getLogger(__name__)

# What a revision keeps: everything the plan says, including the internal note.
CONTENT_FIELDS = [
    "sections",
    "self_rating",
    "wants_follow_up",
    "follow_up_channel",
    "follow_up_time_of_day",
    "citizen_knows_staff_can_read",
    "internal_note",
]

# Outcomes that end a follow-up; NOT_REACHED ends it only when the attempts are used up.
CLOSING_OUTCOMES = {
    FollowUpStatus.REACHED,
    FollowUpStatus.DECLINED,
    FollowUpStatus.NOT_WANTED,
    FollowUpStatus.CANCELLED,
}


def local_time_on(day, time_of_day):
    """The aware moment ``day`` at the clock time of ``time_of_day`` in Copenhagen (DST-safe)."""
    return timezone.make_aware(datetime.datetime.combine(day, TIME_OF_DAY_CLOCK[time_of_day]))


def follow_up_due_at(plan, settings_row=None):
    """Local plan date + the configured days, at the citizen's preferred time of day."""
    settings_row = settings_row or ServiceSettings.load()
    day = timezone.localdate(plan.created_at) + datetime.timedelta(days=settings_row.follow_up_days)
    return local_time_on(day, plan.follow_up_time_of_day)


def plan_content(plan):
    return {field: getattr(plan, field) for field in CONTENT_FIELDS}


def _save_revision(plan, *, user, changed_fields, now):
    revision = CrisisPlanRevision(
        plan=plan,
        version=plan.version,
        content=plan_content(plan),
        changed_fields=changed_fields,
        saved_at=now,
        saved_by=user,
    )
    # The first version has no changed fields, which the field's own rule would call blank.
    revision.full_clean(exclude=["changed_fields"])
    revision.save()
    return revision


def _create_follow_up(plan):
    due_at = follow_up_due_at(plan)
    follow_up = FollowUp(plan=plan, due_at=due_at, first_due_at=due_at)
    follow_up.full_clean()
    follow_up.save()
    summaries.follow_up_changed(follow_up)
    return follow_up


def create_plan(*, person, contact, user, request=None, now=None, **content):
    """Make a plan for ``person`` at ``contact``: the plan, its revision 1 and, when the citizen
    wants one, the follow-up due ``follow_up_days`` later at the preferred time of day.

    The follow-up needs no enqueue: the next reminder sweep finds it by its due time.
    """
    if contact is not None and contact.person_id != person.pk:
        raise ValidationError(_("The contact belongs to another person."))
    unknown = set(content) - set(CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown plan fields: {sorted(unknown)}")
    now = now or timezone.now()
    with transaction.atomic():
        plan = CrisisPlan(
            person=person, contact=contact, created_by=user, created_at=now, version=1, **content
        )
        plan.full_clean()
        plan.save()
        summaries.plan_changed(plan)
        _save_revision(plan, user=user, changed_fields=[], now=now)
        if plan.wants_follow_up:
            _create_follow_up(plan)
        audit(AuditAction.CREATE, request=request, user=user, obj=plan, person=person)
    logger.info("crisis plan %s created for person %s", plan.pk, person.pk)
    return plan


def update_plan(*, plan, user, request=None, now=None, opened_version=None, **content):
    """Save changed content as a new version; the revision records who, when and which fields.

    ``opened_version`` is the version the form was opened at: ``EditConflict`` when another save
    came since and this content differs from theirs (saving it would undo their changes).
    Nothing changed: no new version. A changed follow-up wish moves, creates or ends the open
    follow-up so it matches the plan.
    """
    unknown = set(content) - set(CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown plan fields: {sorted(unknown)}")
    now = now or timezone.now()
    with transaction.atomic():
        plan = CrisisPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.is_closed:
            raise ValidationError(_("A closed plan cannot be changed."))
        changed_fields = [
            field for field in CONTENT_FIELDS if field in content and content[field] != getattr(plan, field)
        ]
        if changed_fields and opened_version is not None and plan.version != opened_version:
            raise EditConflict(plan)
        if not changed_fields:
            return plan
        for field in changed_fields:
            setattr(plan, field, content[field])
        plan.version += 1
        plan.full_clean()
        plan.save(update_fields=[*changed_fields, "version", "updated_at"])
        _save_revision(plan, user=user, changed_fields=changed_fields, now=now)
        _follow_wish(plan, user=user, changed_fields=changed_fields, now=now)
        audit(
            AuditAction.UPDATE,
            request=request,
            user=user,
            obj=plan,
            person_id=plan.person_id,
            detail={"version": plan.version, "changed_fields": changed_fields},
        )
    logger.info("crisis plan %s saved as version %s", plan.pk, plan.version)
    return plan


def _follow_wish(plan, *, user, changed_fields, now):
    follow_up = FollowUp.objects.select_for_update().filter(plan=plan).first()
    if follow_up is None:
        if plan.wants_follow_up:
            _create_follow_up(plan)
        return
    if follow_up.status != FollowUpStatus.OPEN:
        return
    if not plan.wants_follow_up:
        _close_follow_up(follow_up, status=FollowUpStatus.NOT_WANTED, note="", user=user, now=now)
    elif "follow_up_time_of_day" in changed_fields:
        follow_up.due_at = local_time_on(timezone.localdate(follow_up.due_at), plan.follow_up_time_of_day)
        follow_up.save(update_fields=["due_at"])


def close_plan(*, plan, user, request=None, now=None):
    """Close the plan; an open follow-up on it is cancelled."""
    now = now or timezone.now()
    with transaction.atomic():
        plan = CrisisPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.is_closed:
            return plan
        plan.closed_at = now
        plan.closed_by = user
        plan.full_clean()
        plan.save(update_fields=["closed_at", "closed_by", "updated_at"])
        follow_up = FollowUp.objects.select_for_update().filter(plan=plan, status=FollowUpStatus.OPEN).first()
        if follow_up is not None:
            _close_follow_up(follow_up, status=FollowUpStatus.CANCELLED, note="", user=user, now=now)
        audit(
            AuditAction.UPDATE,
            request=request,
            user=user,
            obj=plan,
            person_id=plan.person_id,
            detail={"closed": True},
        )
    return plan


def _close_follow_up(follow_up, *, status, note, user, now):
    FollowUpAttempt.objects.create(follow_up=follow_up, at=now, outcome=status, note=note, by=user)
    follow_up.attempts += 1
    follow_up.status = status
    follow_up.note = note
    follow_up.completed_at = now
    follow_up.completed_by = user
    follow_up.full_clean()
    follow_up.save(update_fields=["attempts", "status", "note", "completed_at", "completed_by"])
    summaries.follow_up_changed(follow_up)


def record_follow_up(*, follow_up, outcome, note, user, score=None, request=None, now=None):
    """Record one attempt at a follow-up, and a SWEMWBS score when ``score`` holds the answers.

    Reached, declined, not wanted or cancelled end the follow-up. Not reached logs the attempt
    and, while attempts remain, moves it to the next day at the preferred time, to be reminded
    again; the last allowed attempt ends it as not reached.
    """
    now = now or timezone.now()
    outcome = FollowUpStatus(outcome)
    if outcome == FollowUpStatus.OPEN:
        raise ValidationError({"outcome": _("Choose what came of the follow-up.")})
    answers = clean_answers(score) if score is not None else None
    with transaction.atomic():
        follow_up = FollowUp.objects.select_for_update().select_related("plan").get(pk=follow_up.pk)
        if follow_up.status != FollowUpStatus.OPEN:
            raise ValidationError(_("This follow-up has already been done."))
        if outcome in CLOSING_OUTCOMES:
            _close_follow_up(follow_up, status=outcome, note=note, user=user, now=now)
        else:
            max_attempts = ServiceSettings.load().follow_up_max_attempts
            if follow_up.attempts + 1 >= max_attempts:
                _close_follow_up(follow_up, status=FollowUpStatus.NOT_REACHED, note=note, user=user, now=now)
            else:
                # Attempts and the due time are in no summary: the follow-up's day stays counted.
                FollowUpAttempt.objects.create(
                    follow_up=follow_up, at=now, outcome=outcome, note=note, by=user
                )
                follow_up.attempts += 1
                follow_up.note = note
                next_day = timezone.localdate(now) + datetime.timedelta(days=1)
                follow_up.due_at = local_time_on(next_day, follow_up.plan.follow_up_time_of_day)
                follow_up.reminded_at = None
                follow_up.full_clean()
                follow_up.save(update_fields=["attempts", "note", "due_at", "reminded_at"])
        audit(
            AuditAction.UPDATE,
            request=request,
            user=user,
            obj=follow_up,
            person_id=follow_up.plan.person_id,
            detail={"outcome": outcome.value, "attempts": follow_up.attempts, "status": follow_up.status},
        )
        if answers is not None:
            record_wellbeing_score(
                person=follow_up.plan.person,
                occasion=Occasion.FOLLOW_UP,
                answers=answers,
                user=user,
                follow_up=follow_up,
                request=request,
                now=now,
            )
    return follow_up


def record_wellbeing_score(
    *, person, occasion, answers, user, contact=None, follow_up=None, request=None, now=None
):
    """Save one SWEMWBS answer set: all seven items 1–5 (``ValidationError`` otherwise)."""
    items = clean_answers(answers)
    now = now or timezone.now()
    with transaction.atomic():
        score = WellbeingScore(
            person=person,
            occasion=occasion,
            contact=contact,
            follow_up=follow_up,
            recorded_at=now,
            recorded_by=user,
            **dict(zip(ITEM_FIELDS, items, strict=True)),
        )
        score.score()
        score.full_clean()
        score.save()
        audit(
            AuditAction.CREATE,
            request=request,
            user=user,
            obj=score,
            person=person,
            detail={"occasion": occasion},
        )
    return score


# Follow-ups marked a statement: SQLite takes at most 32,766 values in one.
_CLAIM_BATCH = 5000


def _claim_due_follow_ups(now):
    """Mark follow-ups due by ``now`` as reminded, give each an in-app reminder, and return the
    ids this call claimed, earliest due first.

    One query locks and reads every due row, however many there are; they are marked a batch at
    a time and their reminders copied in, so the job's time does not grow with a round trip per
    row. PostgreSQL: rows another worker holds are skipped, never waited for or taken twice. SQLite
    has no row locks and needs none: its transactions take the write lock as they begin
    (``transaction_mode`` in settings), so one run waits for another to end.
    """
    claimed = list(
        FollowUp.objects.due(now)
        .select_for_update(skip_locked=True)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(claimed), _CLAIM_BATCH):
        FollowUp.objects.filter(pk__in=claimed[start : start + _CLAIM_BATCH]).update(reminded_at=now)
    # Copied in rather than built as objects: at 100,000 follow-ups building them took longest.
    created_at = connection.ops.adapt_datetimefield_value(now)
    database.copy_rows_in(
        Reminder._meta.db_table,
        ["follow_up_id", "created_at"],
        ((follow_up_id, created_at) for follow_up_id in claimed),
    )
    return claimed


def send_due_followup_reminders(now):
    """Remind each follow-up due by ``now`` exactly once; return how many were reminded.

    Claiming, marking, the in-app reminders and the e-mail digest in the outbox share one
    transaction: a rolled-back run leaves nothing reminded and nothing to send, a committed one
    cannot lose its digest. Delivery is tried once it committed and retried by the outbox's
    sweep. Safe to run twice or on several workers at once.
    """
    with transaction.atomic():
        claimed = _claim_due_follow_ups(now)
        if claimed:
            emails.queue_reminder_digest(follow_up_ids=claimed, now=now)
            outbox.deliver_on_commit(now)
    logger.info("follow-up reminders sent: %s", len(claimed))
    return len(claimed)
