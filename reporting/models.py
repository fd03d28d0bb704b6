from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CostCategory(models.TextChoices):
    SALARIES = "salaries", _("Salaries")
    RENT = "rent", _("Rent")
    TRAINING = "training", _("Training")
    COMMUNICATION = "communication", _("Communication")
    MEALS = "meals", _("Meals")
    ESTABLISHMENT = "establishment", _("Establishment")
    OTHER = "other", _("Other")


class CostEntryQuerySet(models.QuerySet):
    def running(self):
        """Running costs: everything except establishment, as the national evaluation counted."""
        return self.exclude(category=CostCategory.ESTABLISHMENT)

    def for_year(self, year):
        return self.filter(month__year=year)

    def in_months(self, first_month, last_month):
        return self.filter(month__gte=first_month, month__lte=last_month)


class CostEntry(models.Model):
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    category = models.CharField(_("category"), max_length=16, choices=CostCategory.choices)
    amount = models.DecimalField(
        _("amount (DKK)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CostEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "category"]
        verbose_name = _("cost")
        verbose_name_plural = _("costs")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="cost_amount_not_negative"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.get_category_display()}"


class SummaryDay(models.Model):
    """One local date whose contacts the summary tables below hold, and whether they still do.

    ``changes`` goes up with every write that touches the day's contacts (``summaries``' marks);
    the day's summary rows count its contacts as they were when ``changes`` was ``summarised``.
    A day whose two numbers differ is summarised again before a figure reads it.
    """

    day = models.DateField(primary_key=True)
    changes = models.PositiveBigIntegerField(default=0)
    summarised = models.PositiveBigIntegerField(null=True)

    def __str__(self):
        return f"{self.day}: {self.summarised}/{self.changes}"


class SummaryMonth(models.Model):
    """A month whose rollups (``ContactMonth``, ``PersonMonth``, ``WaitMonth``) are rebuilt from
    its days' rows whenever one of its days is counted again; locked while that happens."""

    month = models.DateField(primary_key=True)

    def __str__(self):
        return f"{self.month:%Y-%m}"


class PerDay(models.Model):
    """A summary table's rows for one local date each (a ``SummaryDay``)."""

    day = models.DateField()

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["day"], name="%(class)s_day")]

    @property
    def when(self):
        return f"{self.day}"


class PerMonth(models.Model):
    """A rollup's rows for one calendar month each (a ``SummaryMonth``): its days' rows summed."""

    month = models.DateField()

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["month"], name="%(class)s_month")]

    @property
    def when(self):
        return f"{self.month:%Y-%m}"


class ContactCounts(models.Model):
    """Contacts by the attributes the dashboard counts them by, for a day or a month."""

    channel = models.CharField(max_length=10)
    direction = models.CharField(max_length=3)
    caller_role = models.CharField(max_length=10)
    acuteness = models.PositiveSmallIntegerField(null=True)
    anonymous = models.BooleanField()
    # No person, or a person without a CPR number.
    lacks_cpr = models.BooleanField()
    contacts = models.PositiveIntegerField()

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.when} {self.channel}: {self.contacts}"


class ContactDay(PerDay, ContactCounts):
    """Contacts of a local date by the attributes the dashboard counts them by."""


class ContactMonth(PerMonth, ContactCounts):
    """``ContactDay`` summed over a calendar month."""


class WaitKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    WALK_IN = "walk_in", _("Walk-in")


class WaitCounts(models.Model):
    """Answered incoming calls and walk-ins by their exact wait (microseconds), for a day or a
    month."""

    kind = models.CharField(max_length=7, choices=WaitKind.choices)
    wait_us = models.BigIntegerField()
    contacts = models.PositiveIntegerField()

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.when} {self.kind} {self.wait_us} µs: {self.contacts}"


class WaitDay(PerDay, WaitCounts):
    """Answered incoming calls and walk-ins of a local date by their exact wait."""


class WaitMonth(PerMonth, WaitCounts):
    """``WaitDay`` summed over a calendar month."""


class HourDay(PerDay):
    """Contacts of a local date by local hour started."""

    hour = models.PositiveSmallIntegerField()
    contacts = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.day} {self.hour:02d}: {self.contacts}"


class ReasonDay(PerDay):
    """Contact–reason links of a local date by reason."""

    reason_id = models.PositiveIntegerField()
    contacts = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.day} reason {self.reason_id}: {self.contacts}"


class PersonDay(PerDay):
    """The persons with a contact on a local date: what distinct-citizen figures count.

    With the person's previous day of contact on each row, the citizens of any period are its
    rows whose previous day lies before the period (or that have none): a filtered count, not a
    DISTINCT over every row.
    """

    # A plain number, not a foreign key: these rows are counts, not data about the person, so the
    # personal-data walk (access report, retention, merge) must not reach them.
    person_id = models.PositiveIntegerField()
    contacts = models.PositiveIntegerField()
    # None: the person's first contact ever is on this day.
    previous_day = models.DateField(null=True)
    psychiatry_contact = models.CharField(max_length=8)

    def __str__(self):
        return f"{self.day} person {self.person_id}: {self.contacts}"


class PersonMonth(PerMonth):
    """``PersonDay`` rows of a calendar month counted by previous day of contact: a month's
    citizens for a period starting on or before it are still its rows whose previous day lies
    before the period."""

    previous_day = models.DateField(null=True)
    psychiatry_contact = models.CharField(max_length=8)
    persons = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.when} after {self.previous_day}: {self.persons}"


class ReferralDay(PerDay):
    """Referrals made at the contacts of a local date, by partner and direction. The partner's
    kind is read through the partner, so a partner given another kind counts under it at once."""

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+")
    direction = models.CharField(max_length=3)
    referrals = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.day} partner {self.partner_id} {self.direction}: {self.referrals}"


class PlanDay(PerDay):
    """Crisis plans made on a local date, by whether the person lacks a CPR number."""

    lacks_cpr = models.BooleanField()
    plans = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.day}: {self.plans}"


class FollowUpDay(PerDay):
    """Follow-ups first due on a local date, by status, whether done by that date, and whether
    the person lacks a CPR number."""

    status = models.CharField(max_length=12)
    on_time = models.BooleanField()
    lacks_cpr = models.BooleanField()
    follow_ups = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.day} {self.status}: {self.follow_ups}"


class Under18Day(PerDay):
    """Contacts of a local date with a citizen under 18 that day, by notification decision."""

    notification_decision = models.CharField(max_length=12)
    contacts = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.day} under 18: {self.contacts}"
