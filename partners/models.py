import datetime

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.signals import setting_changed
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _

from akuttilbud.models import Municipality
from contacts.models import CallerRole, Contact, Direction, phone_validator


class PrivateStorage(LazyObject):
    """Files outside the web root; only a permission-checked view serves them."""

    def _setup(self):
        self._wrapped = FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


private_storage = PrivateStorage()


def get_private_storage():
    """The field's storage as a callable, so migrations do not freeze this machine's path."""
    return private_storage


@receiver(setting_changed)
def _reset_private_storage(*, setting, **kwargs):
    if setting == "PRIVATE_MEDIA_ROOT":
        private_storage._wrapped = empty


class PartnerKind(models.Model):
    """Kinds of partner (regional psychiatry, police ...): a list the leader edits."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("partner kind")
        verbose_name_plural = _("partner kinds")

    def __str__(self):
        return self.name


class PartnerQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def for_list(self):
        """The directory: kind and municipality in the same query."""
        return self.select_related("kind", "municipality")

    def for_page(self):
        """One partner's page: its contact people and agreements come along."""
        return self.select_related("kind", "municipality").prefetch_related("people", "agreements")


class Partner(models.Model):
    name = models.CharField(_("name"), max_length=150)
    kind = models.ForeignKey(
        PartnerKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="partners"
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("For a municipality: its official code."),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    email = models.EmailField(_("e-mail"), blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self):
        return self.name


class PartnerContactPerson(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="people")
    name = models.CharField(_("name"), max_length=120)
    role = models.CharField(_("role"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact people")

    def __str__(self):
        return self.name


class AgreementType(models.TextChoices):
    COLLABORATION = "collaboration", _("Formal collaboration agreement")
    REFERRAL_PROCEDURE = "referral", _("Referral procedure")
    INTER_MUNICIPAL = "inter_municipal", _("Inter-municipal agreement")
    INFORMATION_SHARING = "information", _("Information-sharing agreement")


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")


class AgreementQuerySet(models.QuerySet):
    def active_on(self, day):
        return self.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))

    def expiring_within(self, day, days=30):
        """Active agreements whose last valid day falls within ``days`` of ``day``."""
        return self.active_on(day).filter(valid_to__lte=day + datetime.timedelta(days=days))

    def overlapping(self, first_day, last_day):
        """Agreements valid on at least one day of [first_day, last_day]."""
        return self.filter(valid_from__lte=last_day).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=first_day)
        )

    def inter_municipal_for(self, municipality):
        """Inter-municipal agreements with the partner that is ``municipality``."""
        return self.filter(type=AgreementType.INTER_MUNICIPAL, partner__municipality=municipality)

    def for_list(self):
        return self.select_related("partner", "partner__kind")


class Agreement(models.Model):
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="agreements"
    )
    type = models.CharField(_("type"), max_length=20, choices=AgreementType.choices)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("The last day it is valid.")
    )
    terms = models.TextField(_("agreed terms"), blank=True)
    document = models.FileField(
        _("document (PDF)"), storage=get_private_storage, upload_to="agreements/%Y/", blank=True
    )
    price_per_contact = models.DecimalField(
        _("price per contact (DKK)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    price_per_bed_night = models.DecimalField(
        _("price per bed night (DKK)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    # The model leaves to each agreement which contacts are paid for (the implementation guide
    # asks only for "a fixed agreement on the financing"); by default the citizen's own incoming
    # contacts within the target group.
    bills_outgoing = models.BooleanField(_("bill outgoing contacts"), default=False)
    bills_others_calling = models.BooleanField(
        _("bill contacts from relatives and partners"),
        default=False,
        help_text=_("Contacts where someone else than the citizen called or came."),
    )
    bills_outside_target_group = models.BooleanField(
        _("bill contacts outside the target group"), default=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="agreement_valid_to_after_from",
            )
        ]

    def __str__(self):
        return f"{self.get_type_display()} – {self.partner}"

    def covers(self, day):
        """Whether ``day`` lies within the agreement's dates (a draft covers none)."""
        return (
            self.valid_from is not None
            and self.valid_from <= day
            and (self.valid_to is None or day <= self.valid_to)
        )

    def bills_contact(self, contact):
        """Whether the agreement pays for ``contact``: the citizen's own incoming contacts within
        the target group, and the others its settings include."""
        return (
            (contact.direction == Direction.INCOMING or self.bills_outgoing)
            and (contact.caller_role == CallerRole.CITIZEN or self.bills_others_calling)
            and (contact.in_target_group or self.bills_outside_target_group)
        )

    def status_on(self, day):
        """Draft until its first valid day, active through its last, expired after."""
        if self.valid_from is None or self.valid_from > day:
            return AgreementStatus.DRAFT
        if self.valid_to is not None and self.valid_to < day:
            return AgreementStatus.EXPIRED
        return AgreementStatus.ACTIVE

    @property
    def status(self):
        return self.status_on(timezone.localdate())


class ReferralDirection(models.TextChoices):
    OUT = "out", _("Referred to the partner")
    IN = "in", _("Sent to us by the partner")


class ReferralQuerySet(models.QuerySet):
    def in_period(self, start, end):
        return self.filter(contact__started_at__gte=start, contact__started_at__lt=end)

    def for_contact(self, contact):
        return self.filter(contact=contact).select_related("partner", "created_by")

    def monthly_counts(self, partner, since):
        """(month, direction, count) rows of the partner's referrals from ``since``, by local month."""
        return (
            self.filter(partner=partner, created_at__gte=since)
            .annotate(month=TruncMonth("created_at"))
            .values("month", "direction")
            .annotate(count=Count("id"))
            .order_by("-month", "direction")
        )


class Referral(models.Model):
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="referrals"
    )
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="referrals"
    )
    direction = models.CharField(_("direction"), max_length=3, choices=ReferralDirection.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    agreed_by_citizen = models.BooleanField(_("agreed by the citizen"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self):
        return f"{self.get_direction_display()}: {self.partner}"
