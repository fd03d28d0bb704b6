import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from akuttilbud import phone as phone_module
from akuttilbud.cpr import age
from akuttilbud.models import HasCPR, HasPhone, Municipality
from akuttilbud.querysets import VisibleToStaffAndLeaders

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


class PsychiatryContact(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    YES = "yes", _("Yes")
    NO = "no", _("No")


class PersonQuerySet(VisibleToStaffAndLeaders, models.QuerySet):
    def with_cpr_index(self, index):
        return self.filter(cpr_index=index)


class Person(HasCPR, HasPhone):
    """A citizen: identified by CPR, known by a nickname only, or not yet identified.

    The phone for follow-up is kept like the CPR number (``HasPhone``): pages show its last four
    digits, and the clear number is decrypted only on an audited request to call it.
    """

    name = models.CharField(_("name"), max_length=120, blank=True)
    nickname = models.CharField(
        _("nickname"),
        max_length=60,
        blank=True,
        help_text=_("For a recurring caller who stays anonymous."),
    )
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
        help_text=_("When the CPR number is not known."),
    )
    home_municipality = models.ForeignKey(
        Municipality, verbose_name=_("home municipality"), on_delete=models.PROTECT, null=True, blank=True
    )
    psychiatry_contact = models.CharField(
        _("previous contact with psychiatry"),
        max_length=8,
        choices=PsychiatryContact.choices,
        default=PsychiatryContact.UNKNOWN,
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [
            models.Index(fields=["nickname"]),
            models.Index(fields=["name"]),
            # Records lacking a required CPR number are counted by joining to these persons only.
            models.Index(fields=["id"], condition=Q(cpr_index__isnull=True), name="person_without_cpr"),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self):
        """How the person is shown: name, nickname or masked CPR, never the full CPR."""
        if self.name:
            return self.name
        if self.nickname:
            return f"«{self.nickname}»"
        if self.has_cpr:
            return self.masked_cpr
        return _("Unknown person #%(id)s") % {"id": self.pk}

    def age_on(self, day):
        """Age on ``day`` from the CPR birth date, else the youngest the stated birth year allows."""
        return age(day, birth_date=self.birth_date, birth_year=self.birth_year)

    def is_under_18_on(self, day):
        age = self.age_on(day)
        return age is not None and age < 18


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


class StayQuerySet(VisibleToStaffAndLeaders, models.QuerySet):
    def overlapping(self, start, end):
        """Stays that share any time with [start, end); an open stay runs on indefinitely."""
        stays = self.filter(check_in__lt=end) if end is not None else self
        return stays.filter(Q(check_out__isnull=True) | Q(check_out__gt=start))

    def current(self, now):
        return self.filter(check_in__lte=now).filter(Q(check_out__isnull=True) | Q(check_out__gt=now))

    def tonight(self, now):
        """Stays holding a bed between now and tomorrow morning, with their person."""
        return self.overlapping(now, tonight_ends(now)).select_related("person").order_by("bed", "check_in")


def tonight_ends(now):
    """The end of the coming night: 09:00 local time on the next morning."""
    local = timezone.localtime(now)
    morning = local.date() if local.hour < 9 else local.date() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(morning, datetime.time(9, 0)))


class Stay(models.Model):
    """An overnight stay in one of the service's beds. A bed never holds two stays at once:
    a locked check in ``services.book_stay`` on every database, plus an exclusion constraint
    on PostgreSQL (migration 0002)."""

    person = models.ForeignKey(
        Person, verbose_name=_("citizen"), on_delete=models.PROTECT, related_name="stays"
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stays",
    )
    bed = models.PositiveSmallIntegerField(_("bed"), validators=[MinValueValidator(1)])
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("citizen's municipality at the time"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    check_in = models.DateTimeField(_("check-in"))
    check_out = models.DateTimeField(_("check-out"), null=True, blank=True)
    meals = models.PositiveSmallIntegerField(_("meals"), default=0, validators=[MaxValueValidator(50)])
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = StayQuerySet.as_manager()

    class Meta:
        ordering = ["-check_in"]
        verbose_name = _("overnight stay")
        verbose_name_plural = _("overnight stays")
        indexes = [models.Index(fields=["bed", "check_in"]), models.Index(fields=["check_in"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(check_out__isnull=True) | Q(check_out__gt=models.F("check_in")),
                name="stay_check_out_after_check_in",
            ),
            models.CheckConstraint(condition=Q(bed__gte=1), name="stay_bed_positive"),
        ]

    def __str__(self):
        return _("Bed %(bed)s from %(start)s") % {
            "bed": self.bed,
            "start": f"{timezone.localtime(self.check_in):%d.%m.%Y %H:%M}",
        }

    def nights(self, until=None):
        """Local dates slept: each date from check-in up to (not including) check-out's date."""
        end = self.check_out or until
        if end is None:
            return []
        first = timezone.localdate(self.check_in)
        last = timezone.localdate(end)
        return [first + datetime.timedelta(days=i) for i in range((last - first).days)]

    def nights_count(self, until=None):
        return len(self.nights(until))

    def exceeds_nights(self, max_nights, now):
        """True when the stay, counted through the coming night, runs past ``max_nights``."""
        return self.nights_count(until=tonight_ends(now)) > max_nights


class CallbackKind(models.TextChoices):
    MISSED_CALL = "missed_call", _("Missed call")
    VOICEMAIL = "voicemail", _("Voicemail")
    SMS = "sms", _("SMS")


class CallbackClosure(models.TextChoices):  # By the desk, or by the phone line itself.
    DESK = "", _("Called back from the desk")
    GOT_THROUGH = "got_through", _("Closed: the caller got through")
    CALLED_OUT = "called_out", _("Closed: called back from the line")


class CallbackQuerySet(VisibleToStaffAndLeaders, models.QuerySet):
    def open(self):
        return self.filter(done_at__isnull=True)

    def for_number(self, number):
        """Call-backs owed to a normalised number (``akuttilbud.phone.normalise``), found by its
        blind index."""
        return self.filter(phone_index=phone_module.blind_index(number))

    def overdue(self, now):
        return self.open().filter(due_at__lt=now)

    def for_board(self):
        return self.open().select_related("person").order_by("due_at")


class Callback(HasPhone):
    """A call the service owes: a missed call, voicemail or SMS to answer within the goal.

    The number is kept encrypted (``HasPhone``); staff see it in clear only when they ask to
    call it back, and that is audited. Retention clears the clear number once the call-back
    is done and ``number_retention_days`` have passed.
    """

    kind = models.CharField(
        _("kind"), max_length=12, choices=CallbackKind.choices, default=CallbackKind.MISSED_CALL
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    person = models.ForeignKey(
        Person,
        verbose_name=_("citizen"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callbacks",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    due_at = models.DateTimeField(_("call back by"))
    done_at = models.DateTimeField(_("called back"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_by = models.CharField(_("closed by"), max_length=12, choices=CallbackClosure.choices, blank=True)
    contact = models.OneToOneField(
        Contact,
        verbose_name=_("call-back contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="callback",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = CallbackQuerySet.as_manager()

    class Meta:
        ordering = ["due_at"]
        verbose_name = _("call-back")
        verbose_name_plural = _("call-backs")
        indexes = [models.Index(fields=["done_at", "due_at"]), models.Index(fields=["received_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {timezone.localtime(self.received_at):%d.%m.%Y %H:%M}"

    def is_overdue(self, now):
        return self.done_at is None and self.due_at < now

    @property
    def wait(self):
        return self.done_at - self.received_at if self.done_at else None


class ShiftNoteQuerySet(models.QuerySet):
    def recent(self, now):
        """Handover notes of the last 24 hours, newest first."""
        return self.filter(created_at__gte=now - datetime.timedelta(hours=24)).select_related("author")


class ShiftNote(models.Model):
    """A short handover note for the next shift."""

    text = models.CharField(_("note"), max_length=500)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("written"), default=timezone.now, db_index=True)

    objects = ShiftNoteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("handover note")
        verbose_name_plural = _("handover notes")

    def __str__(self):
        return self.text[:50]
