"""Pages of the contacts app, one module a job: ``board``, ``contacts``, ``persons``, ``stays``
and ``callbacks``. What they share stands here."""

from django.urls import reverse


def _person_url(person):
    return reverse("contacts:person_detail", args=[person.pk])


def _int_or_none(value):
    return int(value) if value and str(value).isdigit() and len(str(value)) < 12 else None
