"""The desk's look-up of the citizen on the line or at the door ("Who"): the persons a name,
nickname, CPR or phone number finds, each with what staff must know before they link a contact
to them — the last contact, an open crisis plan, a call-back the service owes.

The persons are found by ``services.search_persons`` (a CPR or phone number through its blind
index only, and audited as every search is); what is shown of them is read for all matches in
one more query, so a look-up costs the same whatever it finds.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Subquery

from akuttilbud import cpr as cpr_module
from akuttilbud import phone as phone_module
from akuttilbud.audit import audit
from akuttilbud.models import AuditAction

from ..models import Callback, Contact, Person
from .persons import search_persons

MATCHES = 8
# Fewer letters than this find half the register and tell staff nothing.
SHORTEST_NAME = 2


@dataclass(frozen=True)
class Match:
    person: Person
    last_contact_at: object
    has_open_plan: bool
    callback_due_at: object


def worth_looking_up(term):
    """Whether ``term`` can find someone: a whole CPR or phone number, or a piece of a name.

    Digits are looked up only once they make a whole number, so a CPR number typed digit by
    digit does not leave a search in the audit log at every key.
    """
    term = (term or "").strip()
    if term.replace(" ", "").replace("-", "").lstrip("+").isdigit():
        try:
            cpr_module.parse(term)
        except ValidationError:
            return phone_module.normalise(term) is not None
        return True
    return len(term) >= SHORTEST_NAME


def look_up(*, term, user, request=None):
    """The persons ``term`` finds, described and by name; the search is audited. A term that
    finds more than ``MATCHES`` shows ``MATCHES`` of them, which staff narrow by typing on."""
    if not worth_looking_up(term):
        return []
    persons = search_persons(term=term, user=user, request=request, limit=MATCHES, by_name=False)
    return describe(sorted(persons, key=_by_name), user=user)


def chosen(*, person, user, request=None):
    """The one person a form was opened or posted with, described; shown again, so audited."""
    audit(AuditAction.VIEW, request=request, user=user, obj=person, person=person, detail={"look_up": True})
    return describe([person], user=user)


def similar_to_new(*, name, nickname, user, request=None):
    """Persons already known by the name or nickname of a walk-in about to be registered as new:
    offered first, so the same citizen arriving again is not made a second person."""
    found = {}
    for term in (name, nickname):
        if worth_looking_up(term):
            for person in search_persons(term=term, user=user, request=request, limit=MATCHES, by_name=False):
                found.setdefault(person.pk, person)
    return describe(sorted(found.values(), key=_by_name)[:MATCHES], user=user)


def _by_name(person):
    return (person.name, person.nickname, person.pk)


def describe(persons, *, user):
    """Each person with their last contact, whether a crisis plan is open and when an open
    call-back to them is due: one query for all of them."""
    if not persons:
        return []
    # Imported here: the crisis plans app builds on this one's models.
    from crisisplans.models import CrisisPlan

    contacts = Contact.objects.visible_to(user).filter(person=OuterRef("pk"))
    callbacks = Callback.objects.visible_to(user).open().filter(person=OuterRef("pk"))
    facts = {
        row["pk"]: row
        for row in Person.objects.filter(pk__in=[person.pk for person in persons])
        .annotate(
            last_contact_at=Subquery(contacts.order_by("-started_at", "-pk").values("started_at")[:1]),
            has_open_plan=Exists(CrisisPlan.objects.visible_to(user).open().filter(person=OuterRef("pk"))),
            callback_due_at=Subquery(callbacks.order_by("due_at").values("due_at")[:1]),
        )
        .values("pk", "last_contact_at", "has_open_plan", "callback_due_at")
    }
    return [
        Match(
            person=person,
            last_contact_at=facts[person.pk]["last_contact_at"],
            has_open_plan=facts[person.pk]["has_open_plan"],
            callback_due_at=facts[person.pk]["callback_due_at"],
        )
        for person in persons
        if person.pk in facts
    ]
