"""Writes of the contacts app, one module a job: ``contacts``, ``persons``, ``stays``,
``callbacks`` and ``notes``. What they share stands here.

Every function is keyword-only, runs in one transaction, validates with ``full_clean()`` and
writes the audit log; a write that changes what the dashboard counts marks the days it changed
(``reporting.summaries``). Callers pass what the user typed as already validated form data.
"""

from akuttilbud.audit import audit
from akuttilbud.models import AuditAction

from ..models import Contact, Stay


def _changed_fields(instance, fields):
    """Names of the fields whose value differs from the row in the database."""
    stored = type(instance)._base_manager.filter(pk=instance.pk).values(*fields).first() or {}
    return sorted(
        name
        for name in fields
        if stored.get(name) != getattr(instance, instance._meta.get_field(name).attname)
    )


def _audit_contact_change(contact, fields, *, user, request):
    """Audit that ``fields`` of ``contact`` changed, on its citizen's access report."""
    audit(
        AuditAction.UPDATE,
        request=request,
        user=user,
        obj=contact,
        person_id=contact.person_id,
        detail={"fields": fields},
    )


def _municipality_of(person):
    """The citizen's municipality recorded on a contact or stay when it is tied to ``person``:
    billing charges the municipality of that time, so a later move does not rewrite history."""
    return person.home_municipality_id if person is not None else None


def _fill_in_municipality(person):
    """Contacts and stays of ``person`` recorded without a municipality get the one now known;
    those recorded with one keep it."""
    if person.home_municipality_id is None:
        return
    for model in (Contact, Stay):
        model.objects.filter(person=person, municipality__isnull=True).update(
            municipality_id=person.home_municipality_id
        )
