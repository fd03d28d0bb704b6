"""The "Who" look-up the quick log and the arrival form post to while staff type."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from akuttilbud.roles import LEADER, STAFF, role_required

from ..forms import LookUpForm
from ..models import Person
from ..services import lookup
from . import _int_or_none


@never_cache
@role_required(STAFF, LEADER)
@require_POST
@sensitive_post_parameters("who")
def person_lookup(request):
    """The matches of the term typed, as the radio buttons the form chooses a person by."""
    form = LookUpForm(request.POST)
    term = form.cleaned_data["who"] if form.is_valid() else ""
    matches = lookup.look_up(term=term, user=request.user, request=request)
    context = {
        "matches": matches,
        "searched": lookup.worth_looking_up(term),
        "more": len(matches) >= lookup.MATCHES,
    }
    return render(request, "contacts/includes/who_matches.html", context)


def opened_for(request):
    """The person a form is opened for from their page (``?person=``), or ``None``."""
    person_id = request.GET.get("person", "")
    if not person_id:
        return None
    return get_object_or_404(Person.objects.visible_to(request.user), pk=_int_or_none(person_id))


def who_context(request, form, suggested=()):
    """What a form's "Who" shows: the persons suggested, else the one it was opened or posted
    with (shown again, so audited), else nothing until staff type."""
    if form.is_bound:
        person = getattr(form, "cleaned_data", {}).get("person")
    else:
        person = form.initial.get("person")
    if suggested:
        return {"matches": suggested, "suggested": True, "chosen_id": person.pk if person else None}
    if person is None:
        return {}
    return {
        "matches": lookup.chosen(person=person, user=request.user, request=request),
        "chosen_id": person.pk,
    }
