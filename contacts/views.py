import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from akuttilbud import locking
from akuttilbud.audit import audit
from akuttilbud.forms import add_service_errors
from akuttilbud.models import AuditAction, ServiceSettings
from akuttilbud.once import save_once
from akuttilbud.roles import LEADER, STAFF, role_required
from telephony import desk as telephony_desk

from . import lookup, services, timeline
from .filters import ContactFilter
from .forms import (
    ArrivalForm,
    BoardBedForm,
    CallbackForm,
    CheckOutForm,
    CompleteCallbackForm,
    ContactForm,
    ConversationForm,
    EditPersonForm,
    IdentifyForm,
    MergeForm,
    NewPersonForm,
    PersonSearchForm,
    QuickLogForm,
    ShiftNoteForm,
    StayForm,
)
from .lookup_views import opened_for, who_context
from .models import CPR_MISSING_REASON, Callback, Contact, CrisisConversation, Person, ShiftNote, Stay
from .pagination import CappedPaginator

CONTACTS_PER_PAGE = 50


def _person_url(person):
    return reverse("contacts:person_detail", args=[person.pk])


def _int_or_none(value):
    return int(value) if value and str(value).isdigit() and len(str(value)) < 12 else None


# Shift board

# A screenful: the board shows at most this many rows a section, with "show all (n)" to the rest.
BOARD_ROWS = 5
SECTION_ROWS_PER_PAGE = 50


def _waiting(request, now):
    walk_ins = Contact.objects.visible_to(request.user).waiting().for_board().order_by("started_at", "pk")
    return walk_ins, lambda contacts: [(contact, contact.minutes_waiting(now)) for contact in contacts]


def _callbacks(request, now):
    callbacks = Callback.objects.visible_to(request.user).for_board()
    return callbacks, lambda rows: [(callback, callback.is_overdue(now)) for callback in rows]


def _today(request, now):
    contacts = (
        Contact.objects.visible_to(request.user)
        .on_local_date(timezone.localdate(now))
        .for_board()
        .order_by("-started_at", "-pk")
    )
    return contacts, list


def _notes(request, now):
    return ShiftNote.objects.recent(now).order_by("-created_at", "-pk"), list


# Each list section: its rows, newest or most urgent first, and how a row is shown.
LIST_SECTIONS = {"waiting": _waiting, "callbacks": _callbacks, "today": _today, "notes": _notes}


def _list_section(request, now, name, page=None):
    """A list section's context: a screenful and the total beyond it, or one ``page`` of all."""
    rows, shown = LIST_SECTIONS[name](request, now)
    if page is not None:
        page = Paginator(rows, SECTION_ROWS_PER_PAGE).get_page(page)
        return {name: shown(page.object_list), "page": page}
    first = list(rows[: BOARD_ROWS + 1])
    # Counted only when the board cannot show them all, so a quiet night costs no count.
    total = rows.count() if len(first) > BOARD_ROWS else None
    return {name: shown(first[:BOARD_ROWS]), f"{name}_total": total}


def _beds(request, now):
    settings_row = ServiceSettings.load()
    by_bed = {number: [] for number in range(1, settings_row.beds + 1)}
    for stay in Stay.objects.visible_to(request.user).tonight(now):
        by_bed.setdefault(stay.bed, []).append(stay)
    beds = [
        {
            "number": number,
            "stays": [
                (stay, stay.exceeds_nights(settings_row.max_consecutive_nights, now)) for stay in stays
            ],
        }
        for number, stays in sorted(by_bed.items())
    ]
    for bed in beds:
        # Each free bed's form is its own intention: booking one leaves the others bookable.
        bed["once_token"] = uuid.uuid4() if not bed["stays"] else None
    free = any(not bed["stays"] for bed in beds)
    return {
        "beds": beds,
        "max_nights": settings_row.max_consecutive_nights,
        "bed_persons": list(bed_candidates(request, now)[:BED_CANDIDATES]) if free else [],
    }


BED_CANDIDATES = 20


def bed_candidates(request, now):
    """Whom a free bed is booked for from the board: the citizens of today's contacts."""
    today = Contact.objects.visible_to(request.user).on_local_date(timezone.localdate(now))
    return (
        Person.objects.visible_to(request.user)
        .filter(pk__in=today.exclude(person=None).values("person"))
        .order_by("name", "nickname", "pk")
    )


def _section(request, now, name):
    return _beds(request, now) if name == "beds" else _list_section(request, now, name)


def _render_board(request, note_form=None, status=200):
    now = timezone.now()
    context = {"now": now, "note_form": note_form or ShiftNoteForm()}
    for name in ("beds", *LIST_SECTIONS):
        context.update(_section(request, now, name))
    return render(request, "contacts/board.html", context, status=status)


@role_required(STAFF, LEADER)
def board(request):
    return _render_board(request)


@role_required(STAFF, LEADER)
def board_section(request, section):
    if section not in LIST_SECTIONS and section != "beds":
        raise Http404
    now = timezone.now()
    context = {"now": now, **_section(request, now, section)}
    return render(request, f"contacts/board/_{section}.html", context)


@role_required(STAFF, LEADER)
@require_POST
def board_book_bed(request):
    """Book a free bed from the board's "Beds tonight", from now, for the citizen chosen there."""
    now = timezone.now()
    form = BoardBedForm(request.POST, persons=bed_candidates(request, now))
    if form.is_valid():
        try:
            return save_once(
                request,
                form,
                save=lambda: services.book_stay(
                    person=form.cleaned_data["person"],
                    bed=form.cleaned_data["bed"],
                    check_in=now,
                    user=request.user,
                    request=request,
                ),
                url_for=lambda stay: reverse("contacts:board"),
                message=_("The bed was booked."),
            )
        except ValidationError as error:
            add_service_errors(form, error)
    for error in form.errors.values():
        messages.error(request, " ".join(error))
    return redirect("contacts:board")


@role_required(STAFF, LEADER)
def board_section_all(request, section):
    """All rows of a board section, paged: where the board's "show all (n)" leads."""
    if section not in LIST_SECTIONS:
        raise Http404
    now = timezone.now()
    context = {
        "now": now,
        "section": section,
        **_list_section(request, now, section, request.GET.get("page", "1")),
    }
    return render(request, "contacts/board/section_page.html", context)


@role_required(STAFF, LEADER)
@require_POST
def shift_note_add(request):
    form = ShiftNoteForm(request.POST)
    if form.is_valid():
        try:
            return save_once(
                request,
                form,
                save=lambda: services.add_shift_note(
                    text=form.cleaned_data["text"], user=request.user, request=request
                ),
                url_for=lambda note: reverse("contacts:board"),
                message=_("The handover note was saved."),
            )
        except ValidationError as error:
            add_service_errors(form, error)
    return _render_board(request, note_form=form)


# Contacts


def _save_quick_log(request, data, call):
    """A call on the phone line becomes that call's one contact; without one, the desk's times."""
    if call is not None:
        return telephony_desk.log_call(
            user=request.user,
            session=call,
            channel=data["channel"],
            acuteness=data["acuteness"],
            summary=data["summary"],
            person=data["person"],
            request=request,
        )
    data = {name: value for name, value in data.items() if name != "call"}
    return services.quick_log(user=request.user, request=request, **data)


@role_required(STAFF, LEADER)
def quick_log(request):
    """The quick log. While a call is live on the user's extension (or one is asked for with
    ``?call=``) it describes that call, with the call's own times. Saved, it leads back to the
    board, whose "New call" has the focus for the next caller."""
    form = QuickLogForm(
        request.POST or None,
        initial={
            "answered_at": timezone.now().isoformat(timespec="seconds"),
            "person": opened_for(request),
        },
        persons=Person.objects.visible_to(request.user),
    )
    if request.method == "POST":
        call_id = form.cleaned_data.get("call") if form.is_valid() else None
    else:
        call_id = _int_or_none(request.GET.get("call"))
    call = telephony_desk.call_to_describe(request.user, call_id)
    if request.method == "POST" and form.is_valid():
        try:
            return save_once(
                request,
                form,
                save=lambda: _save_quick_log(request, form.cleaned_data, call),
                # "Save and new call" leads to an empty form for the next caller.
                url_for=lambda contact: reverse(
                    "contacts:quick_log" if "then_new" in request.POST else "contacts:board"
                ),
                message=_("The contact was saved. You can complete it from today's list."),
            )
        except ValidationError as error:
            add_service_errors(form, error)
    if call is not None:
        form.initial["call"] = call.pk
        answered_at = call.answered_at.isoformat(timespec="seconds")
    else:
        answered_at = form["answered_at"].value() or timezone.now().isoformat(timespec="seconds")
    context = {"form": form, "answered_at": answered_at, "call": call, **who_context(request, form)}
    return render(request, "contacts/quick_log.html", context)


@role_required(STAFF, LEADER)
def arrival(request):
    """Put a walk-in on the board, tied to the person chosen under "Who". A new person is made
    only after staff have seen those already registered by the name or nickname typed."""
    form = ArrivalForm(
        request.POST or None,
        initial={"person": opened_for(request)},
        persons=Person.objects.visible_to(request.user),
    )
    suggested = []
    if request.method == "POST" and form.is_valid():
        data = {name: value for name, value in form.cleaned_data.items() if name != "new_person"}
        if data["person"] is None and not form.cleaned_data["new_person"]:
            suggested = lookup.similar_to_new(
                name=data["name"], nickname=data["nickname"], user=request.user, request=request
            )
        if suggested:
            form.add_error(
                None, _("Citizens of that name are already registered: choose one, or register a new person.")
            )
        else:
            try:
                return save_once(
                    request,
                    form,
                    save=lambda: services.register_arrival(user=request.user, request=request, **data),
                    url_for=lambda contact: reverse("contacts:board"),
                    message=_("The arrival was registered."),
                )
            except ValidationError as error:
                add_service_errors(form, error)
    return render(request, "contacts/arrival.html", {"form": form, **who_context(request, form, suggested)})


@role_required(STAFF, LEADER)
@require_POST
def contact_start(request, contact_id):
    contact = get_object_or_404(Contact.objects.visible_to(request.user), pk=contact_id)
    contact = services.start_conversation(contact=contact, user=request.user, request=request)
    return redirect("contacts:contact_detail", contact_id=contact.pk)


@role_required(STAFF, LEADER)
def contact_list(request):
    contact_filter = ContactFilter(
        request.GET or None, queryset=Contact.objects.visible_to(request.user).for_list()
    )
    page = CappedPaginator(contact_filter.qs, CONTACTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "contacts/contact_list.html", {"filter": contact_filter, "page": page})


@never_cache
@role_required(STAFF, LEADER)
def contact_detail(request, contact_id):
    contact = get_object_or_404(
        Contact.objects.visible_to(request.user).select_related("person", "staff", "caller_partner"),
        pk=contact_id,
    )
    try:
        conversation = contact.conversation
    except CrisisConversation.DoesNotExist:
        conversation = CrisisConversation(contact=contact)
    form = ContactForm(request.POST or None, instance=contact, prefix="contact")
    conversation_form = ConversationForm(request.POST or None, instance=conversation, prefix="conversation")
    conflict = []
    if request.method == "POST" and form.is_valid() and conversation_form.is_valid():
        data = {
            name: value for name, value in form.cleaned_data.items() if name not in {"reasons", "outcomes"}
        }
        try:
            # One page, one save: a conversation that cannot be written leaves the contact as it
            # was, and the contact's version covers its conversation too.
            with transaction.atomic():
                services.update_contact(
                    contact=contact,
                    user=request.user,
                    request=request,
                    data=data,
                    reasons=form.cleaned_data["reasons"],
                    outcomes=form.cleaned_data["outcomes"],
                    version=form.opened_version,
                )
                services.save_conversation(
                    contact=contact, user=request.user, request=request, texts=conversation_form.cleaned_data
                )
        except locking.EditConflict as error:
            current = error.current
            saved_conversation = CrisisConversation.objects.filter(contact=current).first()
            conflict = locking.refuse(
                form,
                error,
                [
                    (form, ContactForm(instance=current, prefix="contact")),
                    (
                        conversation_form,
                        ConversationForm(
                            instance=saved_conversation or CrisisConversation(contact=current),
                            prefix="conversation",
                        ),
                    ),
                ],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The contact was saved."))
            return redirect("contacts:contact_detail", contact_id=contact.pk)
    # The page shows the citizen the contact is tied to and what was said: a read of their data.
    audit(AuditAction.VIEW, request=request, obj=contact, person_id=contact.person_id)
    context = {
        "contact": contact,
        "form": form,
        "conversation_form": conversation_form,
        "conflict": conflict,
        "under_18": contact.is_under_18(),
        "cpr_missing_reason": CPR_MISSING_REASON if contact.lacks_required_cpr else "",
    }
    return render(request, "contacts/contact_detail.html", context)


@role_required(STAFF, LEADER)
@require_POST
def contact_link_person(request, contact_id):
    contact = get_object_or_404(Contact.objects.visible_to(request.user), pk=contact_id)
    person = get_object_or_404(
        Person.objects.visible_to(request.user), pk=_int_or_none(request.POST.get("person"))
    )
    services.link_person(contact=contact, person=person, user=request.user, request=request)
    messages.success(request, _("The contact is now tied to the citizen."))
    return redirect("contacts:contact_detail", contact_id=contact.pk)


# Persons


@role_required(STAFF, LEADER)
@sensitive_post_parameters("term")
def person_search(request):
    results = None
    if request.method == "POST":
        form = PersonSearchForm(request.POST)
        if form.is_valid():
            results = services.search_persons(
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


@never_cache
@role_required(STAFF, LEADER)
@sensitive_post_parameters("cpr")
def person_create(request):
    contact_id = _int_or_none(request.GET.get("contact"))
    contact = (
        get_object_or_404(Contact.objects.visible_to(request.user), pk=contact_id) if contact_id else None
    )
    form = NewPersonForm(request.POST or None)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        data = {name: value for name, value in form.cleaned_data.items() if name != "cpr"}
        try:
            return save_once(
                request,
                form,
                save=lambda: services.create_person(
                    user=request.user,
                    request=request,
                    data=data,
                    cpr=form.cleaned_data["cpr"],
                    contact=contact,
                ),
                url_for=_person_url,
                message=_("The citizen was created."),
            )
        except services.DuplicateCPR as error:
            duplicate = services.disclose_duplicate(error=error, user=request.user, request=request)
            add_service_errors(form, error)
        except ValidationError as error:
            add_service_errors(form, error)
    return render(
        request, "contacts/person_form.html", {"form": form, "contact": contact, "duplicate": duplicate}
    )


@never_cache
@role_required(STAFF, LEADER)
def person_edit(request, person_id):
    person = get_object_or_404(Person.objects.visible_to(request.user), pk=person_id)
    form = EditPersonForm(request.POST or None, instance=person)
    conflict = []
    if request.method == "POST" and form.is_valid():
        try:
            services.update_person(
                person=person,
                user=request.user,
                request=request,
                data=form.cleaned_data,
                version=form.opened_version,
            )
        except locking.EditConflict as error:
            conflict = locking.refuse(form, error, [(form, EditPersonForm(instance=error.current))])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The citizen was saved."))
            return redirect("contacts:person_detail", person_id=person.pk)
    return render(
        request, "contacts/person_form.html", {"form": form, "person": person, "conflict": conflict}
    )


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
    person = get_object_or_404(
        Person.objects.visible_to(request.user).select_related("home_municipality"), pk=person_id
    )
    return _render_person(request, person)


@never_cache
@role_required(STAFF, LEADER)
@require_POST
def person_reveal(request, person_id):
    person = get_object_or_404(
        Person.objects.visible_to(request.user).select_related("home_municipality"), pk=person_id
    )
    return _render_person(
        request, person, services.reveal_cpr(person=person, user=request.user, request=request)
    )


@never_cache
@role_required(STAFF, LEADER)
@require_POST
def person_phone(request, person_id):
    """The follow-up number in clear, for a staff member about to call it (audited)."""
    person = get_object_or_404(
        Person.objects.visible_to(request.user).select_related("home_municipality"), pk=person_id
    )
    number = services.reveal_phone(record=person, person=person, user=request.user, request=request)
    return _render_person(request, person, revealed_phone=number)


@never_cache
@role_required(STAFF, LEADER)
@sensitive_post_parameters("cpr")
def person_identify(request, person_id):
    person = get_object_or_404(Person.objects.visible_to(request.user), pk=person_id)
    form = IdentifyForm(request.POST or None)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        try:
            services.identify_person(
                person=person, cpr=form.cleaned_data["cpr"], user=request.user, request=request
            )
        except services.DuplicateCPR as error:
            duplicate = services.disclose_duplicate(error=error, user=request.user, request=request)
            add_service_errors(form, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The CPR number was saved."))
            return redirect("contacts:person_detail", person_id=person.pk)
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
        try:
            keep = services.merge_persons(keep=keep, remove=remove, user=request.user, request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The two persons were merged."))
            return redirect("contacts:person_detail", person_id=keep.pk)
    sides = [
        (person, person.contacts.count(), person.stays.count(), person.callbacks.count())
        for person in (keep, remove)
    ]
    return render(
        request, "contacts/person_merge.html", {"form": form, "keep": keep, "remove": remove, "sides": sides}
    )


# Stays


@role_required(STAFF, LEADER)
def stay_book(request, person_id):
    person = get_object_or_404(Person.objects.visible_to(request.user), pk=person_id)
    form = StayForm(
        request.POST or None,
        initial={
            "bed": _int_or_none(request.GET.get("bed")),
            "check_in": timezone.localtime().replace(second=0),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            return save_once(
                request,
                form,
                save=lambda: services.book_stay(
                    person=person, user=request.user, request=request, **form.cleaned_data
                ),
                url_for=lambda stay: _person_url(person),
                message=_("The bed was booked."),
            )
        except ValidationError as error:
            add_service_errors(form, error)
    context = {"form": form, "person": person, "cpr_missing_reason": CPR_MISSING_REASON}
    return render(request, "contacts/stay_form.html", context)


@role_required(STAFF, LEADER)
def stay_check_out(request, stay_id):
    stay = get_object_or_404(Stay.objects.visible_to(request.user).select_related("person"), pk=stay_id)
    form = CheckOutForm(
        request.POST or None,
        stay=stay,
        initial={
            "check_out": stay.check_out or timezone.localtime().replace(second=0),
            "meals": stay.meals,
            "note": stay.note,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.check_out_stay(stay=stay, user=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The stay was checked out."))
            return redirect("contacts:person_detail", person_id=stay.person_id)
    return render(request, "contacts/stay_check_out.html", {"form": form, "stay": stay})


# Call-backs


FIND_PERSON = "find_person"


@role_required(STAFF, LEADER)
@sensitive_post_parameters("phone", "person_term")
def callback_add(request):
    """Register a call-back. "Find" posts the form back with the citizens matching the name
    typed, to pick one, and keeps everything typed; "Register" saves."""
    if request.method == "POST" and FIND_PERSON in request.POST:
        initial = {name: value for name, value in request.POST.items() if name != FIND_PERSON}
        try:
            term = CallbackForm.base_fields["person_term"].clean(request.POST.get("person_term", ""))
        except ValidationError:
            term = ""
        persons = services.search_persons(term=term, user=request.user, request=request) if term else []
        form = CallbackForm(initial=initial, persons=persons)
        return render(
            request, "contacts/callback_form.html", {"form": form, "searched": bool(term), "persons": persons}
        )
    form = CallbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "received_at": form.cleaned_data["received_at"] or timezone.now()}
        try:
            return save_once(
                request,
                form,
                save=lambda: services.register_callback(user=request.user, request=request, **data),
                url_for=lambda callback: reverse("contacts:board"),
                message=_("The call-back was registered."),
            )
        except ValidationError as error:
            add_service_errors(form, error)
    return render(request, "contacts/callback_form.html", {"form": form})


@role_required(STAFF, LEADER)
@require_POST
def callback_number(request, callback_id):
    """The number to call back, in clear, on the call-back's page (audited)."""
    callback = get_object_or_404(
        Callback.objects.visible_to(request.user).select_related("person"), pk=callback_id
    )
    number = services.reveal_phone(
        record=callback, person=callback.person, user=request.user, request=request
    )
    return render(
        request,
        "contacts/callback_complete.html",
        {"form": CompleteCallbackForm(), "callback": callback, "revealed_phone": number},
    )


@role_required(STAFF, LEADER)
def callback_complete(request, callback_id):
    callback = get_object_or_404(
        Callback.objects.visible_to(request.user).select_related("person"), pk=callback_id
    )
    form = CompleteCallbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            return save_once(
                request,
                form,
                save=lambda: services.complete_callback(
                    callback=callback, user=request.user, request=request, **form.cleaned_data
                ),
                url_for=lambda done: reverse("contacts:contact_detail", args=[done.contact_id]),
                message=_("The call-back is done and logged as a contact."),
            )
        except ValidationError as error:
            add_service_errors(form, error)
    return render(request, "contacts/callback_complete.html", {"form": form, "callback": callback})
