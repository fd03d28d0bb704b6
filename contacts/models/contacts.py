"""Contacts: what a contact records, its reasons and outcomes, and its crisis conversation."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from akuttilbud.cpr import age
from akuttilbud.models import Municipality
from akuttilbud.querysets import VisibleToStaffAndLeaders

from .persons import Person

# For the numbers of partners and professionals, which are not a citizen's personal data.
phone_validator = RegexValidator(r"^\+?[0-9 ]{8,16}$", _("Enter a phone number of 8 to 16 digits."))


class Reason(models.Model):
    """Why the citizen made contact. A list the leader edits, so rows rather than choices."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("reason")
        verbose_name_plural = _("reasons")

    def __str__(self):
        return self.name


class Outcome(models.Model):
    """What came of a contact (calmed, advice, referred ...); seeded, editable by the leader."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")

    def __str__(self):
        return self.name


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WALK_IN = "walk_in", _("Walk-in")
    OUTREACH = "outreach", _("Outreach")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")


# Beyond a single phone conversation the model description asks for the CPR number.
CHANNELS_NEEDING_CPR = {Channel.WALK_IN, Channel.OUTREACH}

CPR_MISSING_REASON = _(
    "A walk-in, an overnight stay, a crisis plan or a follow-up is a course beyond one phone call. "
    "The CPR number is needed to keep the course together, for the evaluation and to bill the home "
    "municipality. The record is saved; add the CPR number when the citizen gives it."
)


class Direction(models.TextChoices):
    INCOMING = "in", _("Incoming")
    OUTGOING = "out", _("Outgoing")


class CallerRole(models.TextChoices):
    CITIZEN = "citizen", _("The citizen")
    RELATIVE = "relative", _("A relative")
    PARTNER = "partner", _("A partner")
    OTHER = "other", _("Other")


class Acuteness(models.IntegerChoices):
    SUICIDAL = 1, _("1 – suicidal, self-harming or close to admission")
    CALMING = 2, _("2 – needs calming and care (panic, anxiety)")
    SUPPORT = 3, _("3 – needs care, safety and support (loneliness)")


class NotificationDecision(models.TextChoices):
    UNDECIDED = "", _("Not decided")
    NOTIFIED = "notified", _("Municipality notified")
    NOT_NEEDED = "not_needed", _("Notification not needed")


class ContactQuerySet(VisibleToStaffAndLeaders, models.QuerySet):
    def in_period(self, start, end):
        """Contacts started in [start, end)."""
        return self.filter(started_at__gte=start, started_at__lt=end)

    def on_local_date(self, day):
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        return self.in_period(start, start + datetime.timedelta(days=1))

    def waiting(self):
        """Walk-ins who arrived and have not yet been taken into a conversation."""
        return self.filter(channel=Channel.WALK_IN, answered_at__isnull=True, ended_at__isnull=True)

    def lacking_cpr(self):
        """Contacts whose channel needs an identified person but whose person has no CPR."""
        return self.filter(channel__in=CHANNELS_NEEDING_CPR).filter(
            Q(person__isnull=True) | Q(person__cpr_index__isnull=True)
        )

    def for_list(self):
        """Newest first, ties broken by id so that pages never overlap."""
        return (
            self.select_related("person", "staff").prefetch_related("reasons").order_by("-started_at", "-id")
        )

    def for_board(self):
        """What the shift board shows of a contact: the person and the staff member, no more."""
        return self.select_related("person", "staff")

    def for_timeline(self):
        """What a person's timeline shows of a contact, newest first: one row per contact and reason.

        Plain tuples, not models: the timeline shows a person's whole history, and building a
        contact, its staff member and its prefetched reasons for every row cost more than the
        query. A contact with several reasons comes as consecutive rows in the reasons' order;
        one without comes as one row whose ``reasons__name`` is None.
        """
        return self.order_by("-started_at", "-pk", "reasons__position", "reasons__name").values_list(
            "pk",
            "started_at",
            "channel",
            "direction",
            "acuteness",
            "summary",
            "staff_id",
            "reasons__name",
            named=True,
        )


class Contact(models.Model):
    """One contact (henvendelse): a call, a walk-in, an outreach visit or a message."""

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.PHONE)
    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction.choices, default=Direction.INCOMING
    )
    caller_role = models.CharField(
        _("who made contact"), max_length=10, choices=CallerRole.choices, default=CallerRole.CITIZEN
    )
    caller_partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("calling partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="calls",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("citizen"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    stated_age = models.PositiveSmallIntegerField(
        _("stated age"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(120)],
        help_text=_("When the caller tells their age but not their CPR number."),
    )
    started_at = models.DateTimeField(
        _("started"), default=timezone.now, help_text=_("Phone rang / citizen arrived.")
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    acuteness = models.PositiveSmallIntegerField(
        _("acuteness"), choices=Acuteness.choices, null=True, blank=True
    )
    reasons = models.ManyToManyField(Reason, verbose_name=_("reasons"), blank=True)
    in_target_group = models.BooleanField(_("in the target group"), default=True)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("citizen's municipality at the time"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Recorded when the contact is tied to a person; a later move does not change it."),
    )
    outcomes = models.ManyToManyField(Outcome, verbose_name=_("outcome"), blank=True)
    summary = models.CharField(_("in one line"), max_length=300, blank=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    notification_decision = models.CharField(
        _("duty to notify (under 18)"),
        max_length=12,
        blank=True,
        choices=NotificationDecision.choices,
        default=NotificationDecision.UNDECIDED,
    )
    notified_at = models.DateTimeField(_("municipality notified at"), null=True, blank=True)
    # Counts the saves of the contact page, so a save over another's is refused (akuttilbud.locking).
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            # Period queries and the contact list's order (newest first, then id), read backwards.
            models.Index(fields=["started_at", "id"], name="contact_started_id"),
            # A person's timeline, and their first contact in one probe (the exports' flag).
            models.Index(fields=["person", "started_at", "id"], name="contact_person_started_id"),
            models.Index(fields=["channel", "started_at", "id"], name="contact_channel_started_id"),
            # The board's waiting walk-ins: a handful of rows among every walk-in ever made. The
            # channel leads so that SQLite's planner prefers it to the channel index.
            models.Index(
                fields=["channel", "started_at"],
                name="contact_waiting_walk_in",
                condition=Q(channel="walk_in", answered_at__isnull=True, ended_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(acuteness__isnull=True) | Q(acuteness__gte=1, acuteness__lte=3),
                name="contact_acuteness_1_to_3",
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | Q(answered_at__gte=models.F("started_at")),
                name="contact_answered_after_start",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="contact_ended_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} {timezone.localtime(self.started_at):%d.%m.%Y %H:%M}"

    @property
    def wait(self):
        """From the phone ringing or the citizen arriving until a staff member took it."""
        if self.answered_at is None:
            return None
        return self.answered_at - self.started_at

    @property
    def duration(self):
        """From answered (or started) until ended."""
        if self.ended_at is None:
            return None
        return self.ended_at - (self.answered_at or self.started_at)

    @property
    def is_anonymous(self):
        return self.person_id is None

    def minutes_waiting(self, now):
        """Whole minutes since the phone rang or the citizen arrived."""
        return max(0, int((now - self.started_at).total_seconds() // 60))

    @property
    def needs_cpr(self):
        return self.channel in CHANNELS_NEEDING_CPR

    @property
    def lacks_required_cpr(self):
        return self.needs_cpr and (self.person is None or not self.person.has_cpr)

    def is_under_18(self):
        """Under 18 at the contact's own date: from the CPR, else the age stated then."""
        person = self.person
        years = age(
            timezone.localdate(self.started_at),
            birth_date=person and person.birth_date,
            birth_year=person and person.birth_year,
            stated_age=self.stated_age,
        )
        return years is not None and years < 18


class CrisisConversation(models.Model):
    """The supporting, clarifying conversation written for a contact."""

    contact = models.OneToOneField(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="conversation"
    )
    situation = models.TextField(_("what happened – the situation as the citizen tells it"), blank=True)
    actions = models.TextField(_("what was done"), blank=True)
    agreed = models.TextField(_("what was agreed"), blank=True)
    assessment = models.TextField(_("short assessment"), blank=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("crisis conversation")
        verbose_name_plural = _("crisis conversations")

    def __str__(self):
        return str(self.contact)
