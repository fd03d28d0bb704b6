"""Handover notes for the next shift."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
