"""Persons: the citizens the service knows, with or without a CPR number."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from akuttilbud.cpr import age
from akuttilbud.models import HasCPR, HasPhone, Municipality
from akuttilbud.querysets import VisibleToStaffAndLeaders


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
    # Counts the saves of the edit form, so a save over another's is refused (akuttilbud.locking).
    version = models.PositiveIntegerField(_("version"), default=1)
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
