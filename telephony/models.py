from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from akuttilbud.models import HasPhone


class Line(models.Model):
    """A phone line the switchboard reports calls on (the crisis line, a line for partners ...)."""

    code = models.SlugField(
        _("code"), max_length=40, unique=True, help_text=_("What the switchboard sends as “line”.")
    )
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["name"]
        verbose_name = _("phone line")
        verbose_name_plural = _("phone lines")

    def __str__(self):
        return self.name


class Extension(models.Model):
    """A desk phone's extension and the staff member who answers on it."""

    number = models.CharField(
        _("extension"),
        max_length=32,
        unique=True,
        validators=[RegexValidator(r"^[0-9A-Za-z*#+._-]{1,32}$", _("Letters, digits and * # + . _ - only."))],
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="extensions",
    )

    class Meta:
        ordering = ["number"]
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")

    def __str__(self):
        return self.number


class EventKind(models.TextChoices):
    """What the switchboard reports. ``busy`` and ``failed`` end a call that never rang through."""

    RINGING = "ringing", _("Ringing")
    ANSWERED = "answered", _("Answered")
    ENDED = "ended", _("Ended")
    VOICEMAIL = "voicemail", _("Voicemail")
    OUTGOING = "outgoing", _("Outgoing")
    BUSY = "busy", _("Busy")
    FAILED = "failed", _("Failed")


class CallStatus(models.TextChoices):
    RINGING = "ringing", _("Ringing")
    IN_PROGRESS = "in_progress", _("On the phone")
    ANSWERED = "answered", _("Answered")
    ABANDONED = "abandoned", _("Abandoned")
    VOICEMAIL = "voicemail", _("Voicemail")
    BUSY_FAILED = "busy_failed", _("Busy or failed")
    OUTGOING = "outgoing", _("Outgoing")


# Statuses of a call still on the line.
LIVE_STATUSES = (CallStatus.RINGING, CallStatus.IN_PROGRESS)


class HungUpBy(models.TextChoices):
    UNKNOWN = "", _("Unknown")
    CALLER = "caller", _("The caller")
    STAFF = "staff", _("The staff member")


class CallSessionQuerySet(models.QuerySet):
    def in_period(self, start, end):
        """Calls that reached the line in [start, end)."""
        return self.filter(ringing_at__gte=start, ringing_at__lt=end)

    def live(self):
        """Calls ringing or being talked now."""
        return self.filter(status__in=LIVE_STATUSES)

    def incoming(self):
        return self.exclude(status=CallStatus.OUTGOING)

    def with_phone_index(self, index):
        return self.filter(phone_index=index)


class CallSession(HasPhone):
    """One call on a line, from the first event about it to its end.

    Its times and status are derived from its events' own ``at`` times (see ``apply_event``),
    never from the order they arrived in. The caller's number is kept like a CPR number
    (``HasPhone``); ``caller_withheld`` marks a call without a usable number.
    """

    call_id = models.CharField(_("call id"), max_length=128, unique=True)
    line = models.ForeignKey(Line, verbose_name=_("line"), on_delete=models.PROTECT, related_name="calls")
    caller_withheld = models.BooleanField(_("number withheld"), default=True)
    ringing_at = models.DateTimeField(_("ringing"), help_text=_("Rang or queued; the wait starts here."))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    voicemail_at = models.DateTimeField(_("voicemail"), null=True, blank=True)
    failed_at = models.DateTimeField(_("busy or failed"), null=True, blank=True)
    outgoing = models.BooleanField(_("outgoing"), default=False)
    extension = models.CharField(_("extension"), max_length=32, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="calls_answered",
    )
    hung_up_by = models.CharField(
        _("hung up by"), max_length=8, choices=HungUpBy.choices, default=HungUpBy.UNKNOWN, blank=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=CallStatus.choices, default=CallStatus.RINGING
    )
    contact = models.OneToOneField(
        "contacts.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="call",
    )
    contact_undescribed = models.BooleanField(
        _("saved undescribed"),
        default=False,
        help_text=_("Nobody described the call in time, so its contact was saved with its times only."),
    )
    callback = models.ForeignKey(
        "contacts.Callback",
        verbose_name=_("call-back"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        help_text=_("The call-back this missed call is owed by; repeated missed calls share one."),
    )
    sms_sent_at = models.DateTimeField(_("SMS sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = CallSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-ringing_at"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [
            models.Index(fields=["ringing_at", "id"], name="call_ringing_id"),
            models.Index(fields=["status"], name="call_live", condition=Q(status__in=LIVE_STATUSES)),
            models.Index(fields=["extension", "status"], name="call_extension_status"),
            # Answered calls still without a contact: the few the undescribed-calls task looks at.
            models.Index(
                fields=["ended_at"],
                name="call_without_contact",
                condition=Q(status="answered", contact__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | Q(answered_at__gte=models.F("ringing_at")),
                name="call_answered_after_ringing",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("ringing_at")),
                name="call_ended_after_ringing",
            ),
        ]

    def __str__(self):
        return f"{self.get_status_display()} {timezone.localtime(self.ringing_at):%d.%m.%Y %H:%M}"

    @property
    def wait(self):
        """From ringing (or queued) until a person answered."""
        return self.answered_at - self.ringing_at if self.answered_at else None

    @property
    def is_live(self):
        return self.status in LIVE_STATUSES

    def derive_status(self):
        """The status the call's times give: every event's effect is a min, max or flag, so
        this is the same whatever order the events came in."""
        if self.outgoing:
            return CallStatus.OUTGOING
        if self.answered_at is not None:
            return CallStatus.ANSWERED if self.ended_at is not None else CallStatus.IN_PROGRESS
        if self.voicemail_at is not None:
            return CallStatus.VOICEMAIL
        if self.failed_at is not None:
            return CallStatus.BUSY_FAILED
        if self.ended_at is not None:
            return CallStatus.ABANDONED
        return CallStatus.RINGING


class CallEvent(models.Model):
    """One event a switchboard reported about a call. Rows are only ever inserted."""

    # Found through the (session, at) index; its own index would only cost each insert.
    session = models.ForeignKey(CallSession, on_delete=models.CASCADE, related_name="events", db_index=False)
    event_id = models.CharField(_("event id"), max_length=128, unique=True)
    kind = models.CharField(_("event"), max_length=12, choices=EventKind.choices)
    at = models.DateTimeField(_("time"))
    extension = models.CharField(_("extension"), max_length=32, blank=True)
    hung_up_by = models.CharField(_("hung up by"), max_length=8, choices=HungUpBy.choices, blank=True)
    source = models.CharField(_("source"), max_length=32)
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("call event")
        verbose_name_plural = _("call events")
        indexes = [models.Index(fields=["session", "at"], name="call_event_session_at")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M:%S}"


class CallHour(models.Model):
    """Finished incoming calls by the local day and hour they rang in, their outcome and their
    seconds (``service_level.tally``; an answered call's wait rounded up to whole minutes, which
    is all a goal in minutes needs). Kept by ``call_summary`` in each event's transaction.

    Each call is counted twice: in its day's row and in its month's (``month``, ``day`` the
    first of the month), so a long period reads its whole months from a twelfth of the rows."""

    month = models.BooleanField(default=False)
    day = models.DateField()
    hour = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=12, choices=CallStatus.choices)
    seconds = models.PositiveIntegerField()
    calls = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "day", "hour", "outcome", "seconds"], name="call_hour_unique"
            )
        ]

    def __str__(self):
        return f"{self.day} {self.hour:02d} {self.outcome} {self.seconds}: {self.calls}"


class CallWait(models.Model):
    """Answered incoming calls (finished) by the local day (and month, as ``CallHour``) they rang
    in and their exact wait in whole seconds: the distribution the percentiles are read from."""

    month = models.BooleanField(default=False)
    day = models.DateField()
    seconds = models.PositiveIntegerField()
    calls = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "day", "seconds"], name="call_wait_unique")]

    def __str__(self):
        return f"{self.day} {self.seconds} s: {self.calls}"


# The longest grace time the settings allow: the call summary counts how long an abandoned
# caller held on only up to here, which is all that tells a short abandon from a long one.
GRACE_SECONDS_MAX = 120


class TelephonySettings(models.Model):
    """The one row of phone-line settings the leader edits."""

    grace_seconds = models.PositiveSmallIntegerField(
        _("short abandon (seconds)"),
        default=5,
        validators=[MaxValueValidator(GRACE_SECONDS_MAX)],
        help_text=_("A caller who hangs up within this time is a short abandon and gets no call-back."),
    )
    undescribed_after_minutes = models.PositiveSmallIntegerField(
        _("save undescribed calls after (minutes)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text=_("An answered call nobody described is then saved as a contact, marked “not described”."),
    )
    sms_enabled = models.BooleanField(_("send an SMS to missed callers"), default=False)
    sms_text = models.CharField(
        _("SMS text"),
        max_length=160,
        default="Vi ringer dig op senest kl. {time}.",
        help_text=_("{time} becomes the promised time. Say nothing else about the service or the caller."),
    )
    number_retention_days = models.PositiveSmallIntegerField(
        _("keep callers' numbers (days after the call-back)"),
        default=7,
        validators=[MaxValueValidator(365)],
        help_text=_("The clear number is kept while a call-back is open, then this many days."),
    )
    index_retention_days = models.PositiveSmallIntegerField(
        _("recognise repeat callers for (days)"),
        default=90,
        validators=[MinValueValidator(30), MaxValueValidator(730)],
        help_text=_("The keyed hash that recognises a number is deleted after this many days."),
    )

    class Meta:
        verbose_name = _("phone line settings")
        verbose_name_plural = _("phone line settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="telephony_settings_single_row")]

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def load(cls):
        settings_row, _created = cls.objects.get_or_create(pk=1)
        return settings_row


class NumberLinkQuerySet(models.QuerySet):
    def for_index(self, index):
        return self.filter(phone_index=index).select_related("person") if index else self.none()


class NumberLink(models.Model):
    """A staff member's statement that calls from a number are this citizen's.

    Only the number's blind index is kept. Recognition shows a person from a number only
    through a link (``telephony.recognition``); making one is audited. A link lasts as long as
    the person's data does: person retention clears its index with the rest.
    """

    phone_index = models.CharField(max_length=64, db_index=True, editable=False)
    person = models.ForeignKey(
        "contacts.Person", verbose_name=_("citizen"), on_delete=models.CASCADE, related_name="number_links"
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("linked by"), on_delete=models.PROTECT, related_name="+"
    )
    linked_at = models.DateTimeField(_("linked"), default=timezone.now)

    objects = NumberLinkQuerySet.as_manager()

    class Meta:
        # No unique (number, person): merging two citizens linked to one number moves both
        # links to the one kept, and readers take each person once.
        verbose_name = _("caller's number linked to a citizen")
        verbose_name_plural = _("callers' numbers linked to citizens")

    def __str__(self):
        return str(self._meta.verbose_name)
