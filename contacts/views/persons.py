"""Persons: search, create, edit, identify, merge, and the person page with its reveals."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from akuttilbud import locking
from akuttilbud.audit import audit
from akuttilbud.forms import ServiceErrors
from akuttilbud.models import AuditAction
from akuttilbud.once import save_once
from akuttilbud.roles import LEADER, STAFF, role_required

from .. import timeline
from ..forms import EditPersonForm, IdentifyForm, MergeForm, NewPersonForm, PersonSearchForm
from ..models import CPR_MISSING_REASON, Contact, Person
from ..services import persons as person_services
from . import _int_or_none, _person_url


@role_required(STAFF, LEADER)
@sensitive_post_parameters("term")
def person_search(request):
    results = None
    if request.method == "POST":
        form = PersonSearchForm(request.POST)
        if form.is_valid():
            results = person_services.search_persons(
                term=form.cleaned_data["term"], user=request.user, request=request
            )
    else:
        form = PersonSearchForm(
            initial={
                "contact": _int_or_none(request.GET.get("contact")),
                "merge_with": _int_or_none(request.GET.get("merge_with")),
            }
        )
    purpose = {
        "contact": _int_or_none(form["contact"].value()),
        "merge_with": _int_or_none(form["merge_with"].value()),
    }
    return render(request, "contacts/person_search.html", {"form": form, "results": results, **purpose})


def _disclosed_duplicate(request, error):
    """The person holding the CPR number a save was refused for (a disclosure, audited), or None."""
    if isinstance(error, person_services.DuplicateCPR):
        return person_services.disclose_duplicate(error=error, user=request.user, request=request)
    return None


@never_cache
@role_required(STAFF, LEADER)
@sensitive_post_parameters("cpr")
def person_create(request):
    contact_id = _int_or_none(request.GET.get("contact"))
    contact = (
        get_object_or_404(Contact.objects.visible_to(request.user), pk=contact_id) if contact_id else None
    )
    form = NewPersonForm(request.POST or None)
    refusal = ServiceErrors(form)
    if request.method == "POST" and form.is_valid():
        data = {name: value for name, value in form.cleaned_data.items() if name != "cpr"}
        with refusal:
            return save_once(
                request,
                form,
                save=lambda: person_services.create_person(
                    user=request.user,
                    request=request,
                    data=data,
                    cpr=form.cleaned_data["cpr"],
                    contact=contact,
                ),
                url_for=_person_url,
                message=_("The citizen was created."),
            )
    duplicate = _disclosed_duplicate(request, refusal.error)
    return render(
        request, "contacts/person_form.html", {"form": form, "contact": contact, "duplicate": duplicate}
    )


@never_cache
@role_required(STAFF, LEADER)
def person_edit(request, person_id):
    person = get_object_or_404(Person.objects.visible_to(request.user), pk=person_id)
    form = EditPersonForm(request.POST or None, instance=person)
    refusal = ServiceErrors(
        form,
        conflict=lambda error: locking.refuse(form, error, [(form, EditPersonForm(instance=error.current))]),
    )
    if request.method == "POST" and form.is_valid():
        with refusal:
            person_services.update_person(
                person=person,
                user=request.user,
                request=request,
                data=form.cleaned_data,
                version=form.opened_version,
            )
            messages.success(request, _("The citizen was saved."))
            return redirect("contacts:person_detail", person_id=person.pk)
    return render(
        request, "contacts/person_form.html", {"form": form, "person": person, "conflict": refusal.conflict}
    )


def _person_for(request, person_id):
    """The person the person page shows, with what it shows of them."""
    persons = Person.objects.visible_to(request.user).select_related("home_municipality")
    return get_object_or_404(persons, pk=person_id)


def _render_person(request, person, revealed_cpr="", revealed_phone=""):
    audit(AuditAction.VIEW, request=request, obj=person, person=person)
    now = timezone.now()
    context = {
        "person": person,
        "timeline": timeline.rows(person),
        "revealed_cpr": revealed_cpr,
        "revealed_phone": revealed_phone,
        "under_18": person.is_under_18_on(timezone.localdate(now)),
        "cpr_missing_reason": CPR_MISSING_REASON,
    }
    return render(request, "contacts/person_detail.html", context)


@never_cache
@role_required(STAFF, LEADER)
def person_detail(request, person_id):
    person = _person_for(request, person_id)
    return _render_person(request, person)


@never_cache
@role_required(STAFF, LEADER)
@require_POST
def person_reveal(request, person_id):
    person = _person_for(request, person_id)
    return _render_person(
        request, person, person_services.reveal_cpr(person=person, user=request.user, request=request)
    )


@never_cache
@role_required(STAFF, LEADER)
@require_POST
def person_phone(request, person_id):
    """The follow-up number in clear, for a staff member about to call it (audited)."""
    person = _person_for(request, person_id)
    number = person_services.reveal_phone(record=person, person=person, user=request.user, request=request)
    return _render_person(request, person, revealed_phone=number)


@never_cache
@role_required(STAFF, LEADER)
@sensitive_post_parameters("cpr")
def person_identify(request, person_id):
    person = get_object_or_404(Person.objects.visible_to(request.user), pk=person_id)
    form = IdentifyForm(request.POST or None)
    refusal = ServiceErrors(form)
    if request.method == "POST" and form.is_valid():
        with refusal:
            person_services.identify_person(
                person=person, cpr=form.cleaned_data["cpr"], user=request.user, request=request
            )
            messages.success(request, _("The CPR number was saved."))
            return redirect("contacts:person_detail", person_id=person.pk)
    duplicate = _disclosed_duplicate(request, refusal.error)
    return render(
        request, "contacts/person_identify.html", {"form": form, "person": person, "duplicate": duplicate}
    )


@never_cache
@role_required(STAFF, LEADER)
def person_merge(request, keep_id, remove_id):
    persons = Person.objects.visible_to(request.user).select_related("home_municipality")
    keep = get_object_or_404(persons, pk=keep_id)
    remove = get_object_or_404(persons, pk=remove_id)
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with ServiceErrors(form):
            keep = person_services.merge_persons(keep=keep, remove=remove, user=request.user, request=request)
            messages.success(request, _("The two persons were merged."))
            return redirect("contacts:person_detail", person_id=keep.pk)
    sides = [
        (person, person.contacts.count(), person.stays.count(), person.callbacks.count())
        for person in (keep, remove)
    ]
    return render(
        request, "contacts/person_merge.html", {"form": form, "keep": keep, "remove": remove, "sides": sides}
    )
