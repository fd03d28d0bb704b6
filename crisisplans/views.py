import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from akuttilbud import locking
from akuttilbud.audit import audit
from akuttilbud.forms import ServiceErrors
from akuttilbud.models import AuditAction, ServiceSettings
from akuttilbud.once import save_once
from akuttilbud.roles import LEADER, STAFF, role_required
from contacts.models import CPR_MISSING_REASON, Contact, Person

from . import services
from .forms import (
    PEOPLE_SECTIONS,
    TEXT_SECTIONS,
    EditPlanForm,
    FollowUpRecordForm,
    NewPlanForm,
    PersonEntryFormSet,
    PlanForm,
    WellbeingScoreForm,
    WorklistFilterForm,
    WorklistState,
)
from .models import CrisisPlan, FollowUp, FollowUpStatus, Occasion, WellbeingScore
from .sections import SELF_RATING_AREAS, section_rows, self_rating_rows
from .swemwbs import COPYRIGHT

FOLLOW_UPS_PER_PAGE = 50
# A screenful on the shift board of each list, due today and overdue.
BOARD_FOLLOW_UPS = 4


def _plan_for(request, plan_id):
    plans = CrisisPlan.objects.visible_to(request.user).select_related("person", "contact", "created_by")
    return get_object_or_404(plans, pk=plan_id)


def _people_formsets(data, initial=None):
    return {
        key: PersonEntryFormSet(data, prefix=key, initial=(initial or {}).get(key))
        for key, _label in PEOPLE_SECTIONS
    }


def _default_professionals():
    service = ServiceSettings.load()
    return [
        {"name": service.service_name, "phone": service.phone},
        {"name": _("Emergency (ambulance, police)"), "phone": "112"},
    ]


def _render_plan_form(
    request, *, form, formsets, person, contact=None, plan=None, open_plan=None, conflict=()
):
    people = [(label, formsets[key]) for key, label in PEOPLE_SECTIONS]
    return render(
        request,
        "crisisplans/plan_form.html",
        {
            "form": form,
            "text_fields": [form[key] for key, _label in TEXT_SECTIONS],
            "rating_fields": [
                (form[f"rating_{key}"], form[f"goal_{key}"]) for key, _label in SELF_RATING_AREAS
            ],
            "people": people,
            "person": person,
            "contact": contact,
            "plan": plan,
            "open_plan": open_plan,
            "conflict": conflict,
            "cpr_missing_reason": CPR_MISSING_REASON,
        },
    )


@role_required(STAFF, LEADER)
def plan_create(request, contact_id):
    contact = get_object_or_404(
        Contact.objects.visible_to(request.user).select_related("person"), pk=contact_id
    )
    person = contact.person
    if person is None:
        return render(request, "crisisplans/plan_needs_person.html", {"contact": contact})
    data = request.POST if request.method == "POST" else None
    form = NewPlanForm(data, initial={"wants_follow_up": True})
    formsets = _people_formsets(data, initial={"professionals": _default_professionals()})
    if data is not None and form.is_valid() and all(formset.is_valid() for formset in formsets.values()):
        people = {key: formset.entries() for key, formset in formsets.items()}
        with ServiceErrors(form):
            return save_once(
                request,
                form,
                save=lambda: services.create_plan(
                    person=person, contact=contact, user=request.user, request=request, **form.content(people)
                ),
                url_for=lambda plan: reverse("crisisplans:plan_detail", args=[plan.pk]),
                message=_("The crisis plan was saved."),
            )
    # A second plan is allowed (a new crisis), but staff should know of the open one first.
    open_plan = CrisisPlan.objects.visible_to(request.user).filter(person=person).open().first()
    return _render_plan_form(
        request, form=form, formsets=formsets, person=person, contact=contact, open_plan=open_plan
    )


@role_required(STAFF, LEADER)
def plan_edit(request, plan_id):
    plan = _plan_for(request, plan_id)
    if plan.is_closed:
        messages.warning(request, _("The plan is closed and cannot be changed."))
        return redirect("crisisplans:plan_detail", plan_id=plan.pk)
    data = request.POST if request.method == "POST" else None
    form = EditPlanForm(data, initial=PlanForm.initial_from(plan), version=plan.version)
    formsets = _people_formsets(
        data, initial={key: plan.sections.get(key, []) for key, _label in PEOPLE_SECTIONS}
    )
    # A conflict can only come from the save, once ``people`` holds what was typed.
    refusal = ServiceErrors(
        form,
        conflict=lambda error: locking.refuse(
            form,
            error,
            [(form, EditPlanForm(initial=PlanForm.initial_from(error.current), version=1))],
            extra_rows=_people_conflict_rows(error.current, people),
        ),
    )
    if data is not None and form.is_valid() and all(formset.is_valid() for formset in formsets.values()):
        people = {key: formset.entries() for key, formset in formsets.items()}
        with refusal:
            services.update_plan(
                plan=plan,
                user=request.user,
                request=request,
                opened_version=form.opened_version,
                **form.content(people),
            )
            messages.success(request, _("The crisis plan was saved."))
            return redirect("crisisplans:plan_detail", plan_id=plan.pk)
    return _render_plan_form(
        request, form=form, formsets=formsets, person=plan.person, plan=plan, conflict=refusal.conflict
    )


def _people_conflict_rows(current, people):
    """The people sections where the saved plan differs from the typed one, as conflict rows."""

    def shown(entries):
        return "; ".join(", ".join(value for value in entry.values() if value) for entry in entries) or "—"

    return [
        (label, shown(current.sections.get(key, [])), shown(people[key]))
        for key, label in PEOPLE_SECTIONS
        if current.sections.get(key, []) != people[key]
    ]


@role_required(STAFF, LEADER)
def plan_detail(request, plan_id):
    plan = _plan_for(request, plan_id)
    revisions = plan.revisions.select_related("saved_by")
    follow_up = FollowUp.objects.filter(plan=plan).prefetch_related("attempt_log__by").first()
    scores = WellbeingScore.objects.filter(person=plan.person).for_list()
    audit(AuditAction.VIEW, request=request, obj=plan, person_id=plan.person_id)
    return render(
        request,
        "crisisplans/plan_detail.html",
        {
            "plan": plan,
            "sections": section_rows(plan.sections),
            "self_rating": self_rating_rows(plan.self_rating),
            "revisions": revisions,
            "follow_up": follow_up,
            "scores": scores,
            "now": timezone.now(),
        },
    )


@role_required(STAFF, LEADER)
def plan_version(request, plan_id, version):
    plan = _plan_for(request, plan_id)
    revision = get_object_or_404(plan.revisions.select_related("saved_by"), version=version)
    content = revision.content
    audit(AuditAction.VIEW, request=request, obj=plan, person_id=plan.person_id, detail={"version": version})
    return render(
        request,
        "crisisplans/plan_version.html",
        {
            "plan": plan,
            "revision": revision,
            "content": content,
            "sections": section_rows(content.get("sections", {})),
            "self_rating": self_rating_rows(content.get("self_rating", {})),
        },
    )


@role_required(STAFF, LEADER)
def plan_close(request, plan_id):
    plan = _plan_for(request, plan_id)
    if request.method == "POST":
        services.close_plan(plan=plan, user=request.user, request=request)
        messages.success(request, _("The crisis plan was closed."))
        return redirect("crisisplans:plan_detail", plan_id=plan.pk)
    return render(request, "crisisplans/plan_close.html", {"plan": plan})


@role_required(STAFF, LEADER)
def plan_print(request, plan_id):
    plan = _plan_for(request, plan_id)
    audit(AuditAction.VIEW, request=request, obj=plan, person_id=plan.person_id, detail={"print": True})
    return render(
        request,
        "crisisplans/plan_print.html",
        {
            "plan": plan,
            "sections": section_rows(plan.sections),
            "self_rating": self_rating_rows(plan.self_rating),
            "service": ServiceSettings.load(),
        },
    )


@role_required(STAFF, LEADER)
def follow_up_list(request):
    form = WorklistFilterForm(request.GET or None)
    now = timezone.now()
    today = timezone.localdate(now)
    follow_ups = FollowUp.objects.visible_to(request.user).for_list()
    state = WorklistState.OPEN
    if form.is_bound and form.is_valid():
        state = form.cleaned_data["state"] or WorklistState.OPEN
        follow_ups = follow_ups.due_between(form.cleaned_data["from_date"], form.cleaned_data["to_date"])
    if state == WorklistState.DUE:
        follow_ups = follow_ups.due_by_end_of(today)
    elif state == WorklistState.OVERDUE:
        follow_ups = follow_ups.overdue(now)
    elif state == WorklistState.DONE:
        follow_ups = follow_ups.done().order_by("-completed_at")
    else:
        follow_ups = follow_ups.open()
    page = Paginator(follow_ups, FOLLOW_UPS_PER_PAGE).get_page(request.GET.get("page"))
    start_of_today = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    return render(
        request,
        "crisisplans/follow_up_list.html",
        {"form": form, "page": page, "start_of_today": start_of_today},
    )


@role_required(STAFF, LEADER)
def follow_up_record(request, follow_up_id):
    follow_ups = FollowUp.objects.visible_to(request.user).select_related("plan__person", "completed_by")
    follow_up = get_object_or_404(follow_ups, pk=follow_up_id)
    form = FollowUpRecordForm(request.POST or None)
    if follow_up.status == FollowUpStatus.OPEN and request.method == "POST" and form.is_valid():
        with ServiceErrors(form):
            return save_once(
                request,
                form,
                save=lambda: services.record_follow_up(
                    follow_up=follow_up,
                    outcome=form.cleaned_data["outcome"],
                    note=form.cleaned_data["note"],
                    score=form.cleaned_data["score"],
                    user=request.user,
                    request=request,
                ),
                url_for=lambda result: reverse("crisisplans:follow_up_list"),
                message=_("The follow-up was saved."),
            )
    return render(
        request,
        "crisisplans/follow_up_record.html",
        {
            "follow_up": follow_up,
            "attempts": follow_up.attempt_log.select_related("by"),
            "form": form,
            "swemwbs_fields": _swemwbs_fields(form),
            "swemwbs_copyright": COPYRIGHT,
        },
    )


def _swemwbs_fields(form):
    return [form[name] for name in form.fields if name.startswith("item_")]


@role_required(STAFF, LEADER)
def wellbeing_at_contact(request, contact_id):
    contact = get_object_or_404(
        Contact.objects.visible_to(request.user).select_related("person"), pk=contact_id
    )
    if contact.person is None:
        return render(request, "crisisplans/plan_needs_person.html", {"contact": contact, "for_score": True})
    form = WellbeingScoreForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with ServiceErrors(form):
            return save_once(
                request,
                form,
                save=lambda: services.record_wellbeing_score(
                    person=contact.person,
                    occasion=Occasion.CONTACT,
                    answers=form.cleaned_data["answers"],
                    contact=contact,
                    user=request.user,
                    request=request,
                ),
                url_for=lambda score: reverse("contacts:contact_detail", args=[contact.pk]),
                message=_("The well-being score was saved."),
            )
    return render(
        request,
        "crisisplans/wellbeing_form.html",
        {
            "contact": contact,
            "form": form,
            "swemwbs_fields": _swemwbs_fields(form),
            "swemwbs_copyright": COPYRIGHT,
        },
    )


@role_required(STAFF, LEADER)
def board_follow_ups(request):
    """Shift-board fragment: a screenful of follow-ups due today and of overdue ones, each once
    (a pending reminder is for one of them, so it is not listed again), with the totals beyond."""
    now = timezone.now()
    follow_ups = FollowUp.objects.visible_to(request.user).for_list()
    context = {"now": now}
    for name, rows in (
        ("overdue", follow_ups.overdue(now).order_by("due_at", "pk")),
        ("due_today", follow_ups.due_on(timezone.localdate(now)).order_by("due_at", "pk")),
    ):
        first = list(rows[: BOARD_FOLLOW_UPS + 1])
        context[name] = first[:BOARD_FOLLOW_UPS]
        context[f"{name}_total"] = rows.count() if len(first) > BOARD_FOLLOW_UPS else None
    return render(request, "crisisplans/_board_follow_ups.html", context)


@never_cache
@role_required(STAFF, LEADER)
def person_section(request, person_id):
    """Person-page fragment: the person's plans with versions and follow-ups, and SWEMWBS scores."""
    person = get_object_or_404(Person.objects.visible_to(request.user), pk=person_id)
    plans = CrisisPlan.objects.visible_to(request.user).filter(person=person).for_person_section()
    scores = WellbeingScore.objects.filter(person=person).for_list()
    audit(AuditAction.VIEW, request=request, obj=person, person=person, detail={"section": "crisis plans"})
    return render(
        request,
        "crisisplans/_person_section.html",
        {"person": person, "plans": plans, "scores": scores, "now": timezone.now()},
    )
