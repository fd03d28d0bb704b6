"""Overnight stays in the service's beds."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from akuttilbud.models import Municipality
from akuttilbud.querysets import VisibleToStaffAndLeaders

from .contacts import Contact
from .persons import Person


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
    a locked check in ``services.stays.book_stay`` on every database, plus an exclusion constraint
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
