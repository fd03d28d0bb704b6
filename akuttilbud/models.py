import hashlib
import hmac
import json

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import cpr as cpr_module
from . import phone as phone_module


class Role(models.TextChoices):
    STAFF = "staff", _("Staff")
    LEADER = "leader", _("Leader")
    EVALUATOR = "evaluator", _("Evaluator")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.STAFF)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def has_role(self, *roles):
        return self.is_active and (self.is_superuser or self.role in roles)

    @property
    def display_name(self):
        return self.get_full_name() or self.username


class Municipality(models.Model):
    """The 98 Danish municipalities, loaded by a data migration from the official code list."""

    code = models.CharField(_("municipality code"), max_length=4, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    region_code = models.CharField(_("region code"), max_length=4)

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self):
        return f"{self.code} {self.name}"


class OrganisationModel(models.TextChoices):
    INTEGRATED = "integrated", _("Integrated")
    SEMI_INTEGRATED = "semi_integrated", _("Semi-integrated")


class ServiceSettings(models.Model):
    """The one row of settings the leader edits: beds, service goals, follow-up rules."""

    service_name = models.CharField(_("service name"), max_length=100, default="Socialt akuttilbud")
    phone = models.CharField(
        _("24/7 phone number"),
        max_length=20,
        default="70 10 20 30",
        help_text=_("Printed on the citizen's crisis plan."),
    )
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("own municipality"), on_delete=models.PROTECT, null=True, blank=True
    )
    organisation_model = models.CharField(
        _("organisation model"),
        max_length=20,
        choices=OrganisationModel.choices,
        default=OrganisationModel.INTEGRATED,
    )
    beds = models.PositiveSmallIntegerField(
        _("number of beds"), default=4, validators=[MaxValueValidator(50)]
    )
    follow_up_days = models.PositiveSmallIntegerField(
        _("follow-up after (days)"), default=5, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    follow_up_max_attempts = models.PositiveSmallIntegerField(
        _("follow-up attempts"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("How many times staff try to reach the citizen before giving up."),
    )
    max_consecutive_nights = models.PositiveSmallIntegerField(
        _("max consecutive nights"), default=3, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    goal_phone_wait_minutes = models.PositiveSmallIntegerField(
        _("max wait on the phone (minutes)"), default=2, validators=[MinValueValidator(1)]
    )
    goal_walk_in_wait_minutes = models.PositiveSmallIntegerField(
        _("max wait for a conversation on walk-in (minutes)"), default=15, validators=[MinValueValidator(1)]
    )
    goal_call_back_hours = models.PositiveSmallIntegerField(
        _("max time to call back (hours)"), default=2, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("service settings")
        verbose_name_plural = _("service settings")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="service_settings_single_row")]

    def __str__(self):
        return self.service_name

    @classmethod
    def load(cls):
        settings_row, _created = cls.objects.get_or_create(pk=1)
        return settings_row


class AuditAction(models.TextChoices):
    LOGIN = "login", _("Logged in")
    LOGOUT = "logout", _("Logged out")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOCKED_OUT = "locked_out", _("Locked out")
    VIEW = "view", _("Viewed")
    SEARCH = "search", _("Searched")
    CPR_REVEAL = "cpr_reveal", _("Revealed CPR")
    PHONE_REVEAL = "phone_reveal", _("Revealed phone number")
    PHONE_LINK = "phone_link", _("Linked a caller's number to a citizen")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    MERGE = "merge", _("Merged")
    EXPORT = "export", _("Exported")
    BILLING_STATEMENT = "billing_statement", _("Billing statement")
    LINKAGE_KEY = "linkage_key", _("Register-linkage key")
    ACCESS_REPORT = "access_report", _("Right-of-access report")
    RETENTION = "retention", _("Retention applied")
    AUDIT_PURGE = "audit_purge", _("Old audit events deleted")
    AUDIT_RECHAIN = "audit_rechain", _("Audit log re-chained under a new key")
    OTP_FAILED = "otp_failed", _("Wrong two-factor code")
    KEY_ROTATION = "key_rotation", _("CPR keys rotated")
    ENROLMENT_CODE = "enrolment_code", _("Two-factor enrolment code issued")
    RECOVERY_CODES = "recovery_codes", _("Two-factor recovery codes")
    SMS = "sms", _("SMS sent")
    SECOND_FACTOR = "second_factor", _("Second factor given")
    SETTINGS_CHANGE = "settings_change", _("Settings changed")
    OIDC_LOGIN = "oidc_login", _("Logged in through the identity provider")
    OIDC_REFUSED = "oidc_refused", _("Login through the identity provider refused")
    OIDC_LOGOUT = "oidc_logout", _("Logged out by the identity provider")


class AuditEventQuerySet(models.QuerySet):
    def about_person(self, person_id):
        """Every event that disclosed something about the person (``AuditEventPerson``)."""
        return self.filter(pk__in=AuditEventPerson.objects.filter(person_id=person_id).values("event_id"))

    def in_period(self, start, end):
        return self.filter(at__gte=start, at__lt=end)


class AuditEvent(models.Model):
    """One use of personal data or one security event. Rows are only ever inserted.

    ``person_id`` is a plain number, not a foreign key, so deleting or merging a person never
    has to touch (and so never can rewrite) the log; it names the one person the event is about,
    and ``AuditEventPerson`` every person whose data it disclosed (a billing statement names many).
    Each row carries a keyed hash (HMAC with ``AUDIT_HMAC_KEY``) of its content, its persons and
    the hash before it, so an edited, forged or missing row is detectable (``verify_audit_chain``).
    """

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        "akuttilbud.User",
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    person_id = models.BigIntegerField(_("person"), null=True, blank=True, db_index=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    previous_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action}"

    def compute_hash(self, person_ids, *, key=None):
        """The keyed hash of this event with the ids of its persons (``AuditEventPerson``)."""
        payload = self._payload(extra=[sorted(person_ids)])
        return hmac.new((key or settings.AUDIT_HMAC_KEY).encode(), payload, hashlib.sha256).hexdigest()

    def compute_unkeyed_hash(self):
        """The hash written before the chain was keyed; only ``rechain_audit_log`` checks it."""
        return hashlib.sha256(self._payload(extra=[])).hexdigest()

    def _payload(self, *, extra):
        return json.dumps(
            [
                self.previous_hash,
                self.at.isoformat(),
                self.user_id,
                self.username,
                self.action,
                self.object_type,
                self.object_id,
                self.person_id,
                self.detail,
                self.ip_address,
                *extra,
            ],
            cls=DjangoJSONEncoder,
            sort_keys=True,
            ensure_ascii=True,
        ).encode()


class AuditEventPerson(models.Model):
    """One person whose data an audit event disclosed; the right-of-access report reads these.

    Written with the event and covered by its hash, so a link added or removed later is found.
    """

    event = models.ForeignKey(AuditEvent, on_delete=models.DO_NOTHING, related_name="person_links")
    person_id = models.BigIntegerField(_("person"), db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "person_id"], name="audit_event_person_once")]

    def __str__(self):
        return f"{self.event_id} {self.person_id}"


class EnrolmentCode(models.Model):
    """A one-time code, issued by another leader or an administrator, that lets ``user`` set up
    two-factor login: the password alone must not be enough to enrol a device.

    Only a password-style hash is stored; the issuer sees the code once and hands it over.
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+")
    issued_by = models.ForeignKey(
        User, verbose_name=_("issued by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    code_hash = models.CharField(max_length=128)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment code")
        verbose_name_plural = _("enrolment codes")

    def __str__(self):
        return f"{self.user_id} {self.issued_at:%Y-%m-%d %H:%M}"


class HasCPR(models.Model):
    """A CPR number stored encrypted, with a blind index for look-up and the birth date in clear.

    The birth date is kept apart so that lists, ages and masks (``DDMMYY-xxxx``) never decrypt;
    only an explicit, audited reveal does.
    """

    cpr_encrypted = models.TextField(blank=True, editable=False)
    cpr_index = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def has_cpr(self):
        return bool(self.cpr_index)

    def set_cpr(self, cpr):
        """Store a parsed CPR number (see ``cpr.parse``), or clear it with ``None``."""
        if cpr:
            self.cpr_encrypted = cpr_module.encrypt(cpr)
            self.cpr_index = cpr_module.blind_index(cpr)
            self.birth_date = cpr_module.birth_date(cpr)
        else:
            self.cpr_encrypted = ""
            self.cpr_index = None

    def decrypted_cpr(self):
        """The full number. Callers reveal it only through ``audit``-ed actions."""
        return cpr_module.decrypt(self.cpr_encrypted) if self.cpr_encrypted else None

    @property
    def masked_cpr(self):
        if not self.has_cpr or not self.birth_date:
            return ""
        return cpr_module.mask_birth_date(self.birth_date)


class FormSubmission(models.Model):
    """A form's one-time token and where its save led, so a form posted twice saves once.

    The token is the primary key: of two concurrent posts with one token only one can insert
    it; the other waits for that transaction and then finds where the save led.
    """

    token = models.UUIDField(primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    result_url = models.CharField(max_length=200, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")

    def __str__(self):
        return str(self.token)


class HasPhone(models.Model):
    """A phone number stored like a CPR number: encrypted, with a blind index and the last four
    digits for display (``akuttilbud.phone``). Pages show the last four; the clear number is
    decrypted only to call it back."""

    phone_encrypted = models.TextField(blank=True, editable=False)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_last4 = models.CharField(_("number (last four digits)"), max_length=4, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def has_phone(self):
        return bool(self.phone_index or self.phone_encrypted)

    def set_phone(self, number):
        """Store a normalised number (see ``phone.normalise``), or clear it with ``None``."""
        if number:
            self.phone_encrypted = phone_module.encrypt(number)
            self.phone_index = phone_module.blind_index(number)
            self.phone_last4 = phone_module.last_four(number)
        else:
            self.phone_encrypted = ""
            self.phone_index = ""
            self.phone_last4 = ""

    def decrypted_phone(self):
        """The number in E.164, or ``None`` when the clear number is no longer kept."""
        return phone_module.decrypt(self.phone_encrypted) if self.phone_encrypted else None

    @property
    def masked_phone(self):
        return phone_module.masked(self.phone_last4)


class OutboxMessage(models.Model):
    """One e-mail waiting to be sent, written in the transaction that decided to send it
    (``akuttilbud.outbox``). Sent once ``sent_at`` is set; shown to the leader once ``failed_at`` is."""

    created_at = models.DateTimeField(_("created"), default=timezone.now)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("text"))
    html = models.TextField(_("HTML"), blank=True)
    recipients = models.JSONField(_("recipients"), default=list)
    # The same Message-ID on every attempt, so a copy sent again after a crash can be recognised.
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    failed_at = models.DateTimeField(_("given up"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_waiting",
                condition=models.Q(sent_at__isnull=True, failed_at__isnull=True),
            )
        ]

    def __str__(self):
        return self.subject
