import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from akuttilbud.querysets import VisibleToStaffAndLeaders
from contacts.models import Contact, Person

from .swemwbs import ITEM_RANGE, RAW_MAX, RAW_MIN


class FollowUpChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS")
    VISIT = "visit", _("Visit at the service")
    EMAIL = "email", _("E-mail")


class TimeOfDay(models.TextChoices):
    MORNING = "morning", _("Morning")
    AFTERNOON = "afternoon", _("Afternoon")
    EVENING = "evening", _("Evening")


# The local time a follow-up is due at for each preferred part of the day.
TIME_OF_DAY_CLOCK = {
    TimeOfDay.MORNING: datetime.time(10, 0),
    TimeOfDay.AFTERNOON: datetime.time(14, 0),
    TimeOfDay.EVENING: datetime.time(18, 0),
}


def _start_of_local_day(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def masked_person_label(person):
    """Initials and the record number: enough for staff to find the person, nothing more."""
    words = (person.name or person.nickname or "").split()
    initials = "".join(f"{word[0].upper()}." for word in words[:3])
    return f"{initials} #{person.pk}" if initials else f"#{person.pk}"


class CrisisPlanQuerySet(VisibleToStaffAndLeaders, models.QuerySet):
    def open(self):
        return self.filter(closed_at__isnull=True)

    def for_person_section(self):
        """Plans with what the person page shows: revisions, follow-up and its attempts."""
        return self.select_related("follow_up", "created_by", "contact").prefetch_related(
            models.Prefetch("revisions", queryset=CrisisPlanRevision.objects.select_related("saved_by")),
            "follow_up__attempt_log",
        )

    def in_period(self, start, end):
        return self.filter(created_at__gte=start, created_at__lt=end)


class CrisisPlan(models.Model):
    """The plan made with the citizen, in the citizen's own words (see ``sections``)."""

    person = models.ForeignKey(
        Person, verbose_name=_("citizen"), on_delete=models.PROTECT, related_name="plans"
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("made at contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plans",
    )
    sections = models.JSONField(_("sections"), default=dict, blank=True)
    self_rating = models.JSONField(_("self-rating of five areas"), default=dict, blank=True)
    wants_follow_up = models.BooleanField(_("wants a follow-up"), default=True)
    follow_up_channel = models.CharField(
        _("follow-up by"), max_length=8, choices=FollowUpChannel.choices, default=FollowUpChannel.PHONE
    )
    follow_up_time_of_day = models.CharField(
        _("preferred time of day"), max_length=10, choices=TimeOfDay.choices, default=TimeOfDay.AFTERNOON
    )
    citizen_knows_staff_can_read = models.BooleanField(
        _("the citizen knows staff can read the plan"), default=False
    )
    internal_note = models.TextField(_("internal note (not printed)"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("made"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = CrisisPlanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("crisis plan")
        verbose_name_plural = _("crisis plans")
        indexes = [models.Index(fields=["person", "created_at"]), models.Index(fields=["created_at"])]

    def __str__(self):
        return _("Crisis plan of %(date)s") % {"date": f"{timezone.localtime(self.created_at):%d.%m.%Y}"}

    @property
    def is_closed(self):
        return self.closed_at is not None


class CrisisPlanRevision(models.Model):
    """A saved version of a plan: what it said, who saved it and which fields changed."""

    plan = models.ForeignKey(CrisisPlan, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField(_("version"))
    content = models.JSONField(_("content"))
    changed_fields = models.JSONField(_("changed fields"), default=list)
    saved_at = models.DateTimeField(_("saved"), default=timezone.now)
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "version"], name="plan_revision_unique_version")
        ]

    def __str__(self):
        return f"{self.plan} v{self.version}"

    @property
    def changed_field_labels(self):
        return [CrisisPlan._meta.get_field(name).verbose_name for name in self.changed_fields]


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    REACHED = "reached", _("Reached")
    NOT_REACHED = "not_reached", _("Not reached")
    DECLINED = "declined", _("Declined")
    NOT_WANTED = "not_wanted", _("Not wanted")
    CANCELLED = "cancelled", _("Cancelled")


class FollowUpQuerySet(VisibleToStaffAndLeaders, models.QuerySet):
    def open(self):
        return self.filter(status=FollowUpStatus.OPEN)

    def done(self):
        return self.exclude(status=FollowUpStatus.OPEN)

    def due_by_end_of(self, day):
        """Open follow-ups due on ``day`` (local) or earlier."""
        return self.open().filter(due_at__lt=_start_of_local_day(day + datetime.timedelta(days=1)))

    def due_between(self, first_day, last_day):
        """Follow-ups due from ``first_day`` to ``last_day`` (local dates, both included)."""
        follow_ups = self
        if first_day is not None:
            follow_ups = follow_ups.filter(due_at__gte=_start_of_local_day(first_day))
        if last_day is not None:
            follow_ups = follow_ups.filter(
                due_at__lt=_start_of_local_day(last_day + datetime.timedelta(days=1))
            )
        return follow_ups

    def due(self, now):
        """Open follow-ups due by ``now`` that have not been reminded for this attempt."""
        return self.open().filter(due_at__lte=now, reminded_at__isnull=True)

    def overdue(self, now):
        """Open follow-ups whose due day (local) has passed."""
        return self.open().filter(due_at__lt=_start_of_local_day(timezone.localdate(now)))

    def due_on(self, day):
        return self.open().filter(
            due_at__gte=_start_of_local_day(day),
            due_at__lt=_start_of_local_day(day + datetime.timedelta(days=1)),
        )

    def for_list(self):
        return self.select_related("plan__person", "completed_by")


class FollowUp(models.Model):
    """The follow-up on a plan about five days later; one per plan, with attempts as history."""

    plan = models.OneToOneField(
        CrisisPlan, verbose_name=_("crisis plan"), on_delete=models.CASCADE, related_name="follow_up"
    )
    due_at = models.DateTimeField(_("due"))
    first_due_at = models.DateTimeField(_("first due"))
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    note = models.TextField(_("note"), blank=True)
    completed_at = models.DateTimeField(_("done"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["due_at"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(
                fields=["due_at"],
                name="followup_unreminded_due",
                condition=Q(status="open", reminded_at__isnull=True),
            ),
            # The dashboard and the exports take a period's follow-ups by the date first due.
            models.Index(fields=["first_due_at"], name="followup_first_due"),
        ]

    def __str__(self):
        return _("Follow-up due %(date)s") % {"date": f"{timezone.localtime(self.due_at):%d.%m.%Y %H:%M}"}

    @property
    def masked_label(self):
        return masked_person_label(self.plan.person)

    def is_overdue(self, now):
        return self.status == FollowUpStatus.OPEN and self.due_at < _start_of_local_day(
            timezone.localdate(now)
        )

    @property
    def done_on_time(self):
        """Done on or before the local date it was first due."""
        return self.completed_at is not None and (
            timezone.localdate(self.completed_at) <= timezone.localdate(self.first_due_at)
        )


class FollowUpAttempt(models.Model):
    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(_("time"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=12, choices=FollowUpStatus.choices)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at"]

    def __str__(self):
        return f"{self.get_outcome_display()} {timezone.localtime(self.at):%d.%m.%Y %H:%M}"


class ReminderQuerySet(models.QuerySet):
    def pending(self):
        """Reminders whose follow-up is still open: what the shift board shows."""
        return self.filter(follow_up__status=FollowUpStatus.OPEN).select_related("follow_up__plan__person")


class Reminder(models.Model):
    """An in-app reminder shown on the shift board until its follow-up is done."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="reminders")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return str(self.follow_up)


class Occasion(models.TextChoices):
    CONTACT = "contact", _("At contact")
    FOLLOW_UP = "follow_up", _("At follow-up")


class WellbeingScoreQuerySet(models.QuerySet):
    def in_period(self, start, end):
        return self.filter(recorded_at__gte=start, recorded_at__lt=end)

    def for_list(self):
        return self.select_related("recorded_by", "contact", "follow_up")


class WellbeingScore(models.Model):
    """One SWEMWBS answer set: seven items scored 1–5, raw 7–35 and its metric score."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="wellbeing_scores")
    occasion = models.CharField(_("occasion"), max_length=10, choices=Occasion.choices)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="wellbeing_scores"
    )
    follow_up = models.ForeignKey(
        FollowUp, null=True, blank=True, on_delete=models.SET_NULL, related_name="wellbeing_scores"
    )
    item_1 = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    item_2 = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    item_3 = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    item_4 = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    item_5 = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    item_6 = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    item_7 = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    raw_score = models.PositiveSmallIntegerField(_("raw score"))
    metric_score = models.DecimalField(_("metric score"), max_digits=4, decimal_places=2)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = WellbeingScoreQuerySet.as_manager()

    class Meta:
        ordering = ["recorded_at"]
        verbose_name = _("well-being score (SWEMWBS)")
        verbose_name_plural = _("well-being scores (SWEMWBS)")
        # With the id last, a person's first score of an occasion after a time (the well-being
        # figure's pairing, ties broken by id) is the index's next entry, with no sort; with the
        # metric score included (PostgreSQL), the pairing reads it without visiting the table.
        indexes = [
            models.Index(
                fields=["person", "occasion", "recorded_at", "id"],
                include=["metric_score"],
                name="score_person_occasion_time",
            )
        ]
        constraints = [
            *[
                models.CheckConstraint(
                    condition=Q(**{f"item_{i}__gte": ITEM_RANGE[0], f"item_{i}__lte": ITEM_RANGE[1]}),
                    name=f"swemwbs_item_{i}_in_range",
                )
                for i in range(1, 8)
            ],
            models.CheckConstraint(
                condition=Q(raw_score__gte=RAW_MIN, raw_score__lte=RAW_MAX), name="swemwbs_raw_in_range"
            ),
        ]

    def __str__(self):
        return f"SWEMWBS {self.raw_score} ({self.get_occasion_display()})"

    @property
    def items(self):
        return [getattr(self, f"item_{i}") for i in range(1, 8)]

    def score(self):
        """Set raw and metric score from the seven items."""
        from .swemwbs import metric_score

        self.raw_score = sum(self.items)
        self.metric_score = Decimal(metric_score(self.raw_score))
