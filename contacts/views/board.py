"""The shift board: its sections, booking a free bed from it, handover notes."""

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from akuttilbud.forms import ServiceErrors
from akuttilbud.models import ServiceSettings
from akuttilbud.once import save_once
from akuttilbud.roles import LEADER, STAFF, role_required

from ..forms import BoardBedForm, ShiftNoteForm
from ..models import Callback, Contact, Person, ShiftNote, Stay
from ..services import notes as note_services
from ..services import stays as stay_services

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
        with ServiceErrors(form):
            return save_once(
                request,
                form,
                save=lambda: stay_services.book_stay(
                    person=form.cleaned_data["person"],
                    bed=form.cleaned_data["bed"],
                    check_in=now,
                    user=request.user,
                    request=request,
                ),
                url_for=lambda stay: reverse("contacts:board"),
                message=_("The bed was booked."),
            )
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
        with ServiceErrors(form):
            return save_once(
                request,
                form,
                save=lambda: note_services.add_shift_note(
                    text=form.cleaned_data["text"], user=request.user, request=request
                ),
                url_for=lambda note: reverse("contacts:board"),
                message=_("The handover note was saved."),
            )
    return _render_board(request, note_form=form)
