"""Call-backs the service owes: missed calls, voicemails and SMS."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from akuttilbud import phone as phone_module
from akuttilbud.models import HasPhone
from akuttilbud.querysets import VisibleToStaffAndLeaders

from .contacts import Contact
from .persons import Person


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
