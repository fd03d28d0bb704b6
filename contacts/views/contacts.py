"""Contacts: the quick log, arrivals, the contact list and the contact page."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from akuttilbud import locking
from akuttilbud.audit import audit
from akuttilbud.forms import ServiceErrors
from akuttilbud.models import AuditAction
from akuttilbud.once import save_once
from akuttilbud.roles import LEADER, STAFF, role_required
from telephony import desk as telephony_desk

from ..filters import ContactFilter
from ..forms import ArrivalForm, ContactForm, ConversationForm, QuickLogForm
from ..models import CPR_MISSING_REASON, Contact, CrisisConversation, Person
from ..pagination import CappedPaginator
from ..services import contacts as contact_services
from ..services import persons as person_services
from . import _int_or_none

CONTACTS_PER_PAGE = 50


def _contact_url(contact):
    return reverse("contacts:contact_detail", args=[contact.pk])


def _save_quick_log(request, data, call):
    """A call on the phone line becomes that call's one contact; without one, the desk's times."""
    if call is not None:
        return telephony_desk.log_call(
            user=request.user,
            session=call,
            channel=data["channel"],
            acuteness=data["acuteness"],
            summary=data["summary"],
            request=request,
        )
    data = {name: value for name, value in data.items() if name != "call"}
    return contact_services.quick_log(user=request.user, request=request, **data)


@role_required(STAFF, LEADER)
def quick_log(request):
    """The quick log. While a call is live on the user's extension (or one is asked for with
    ``?call=``) it describes that call, with the call's own times."""
    form = QuickLogForm(
        request.POST or None, initial={"answered_at": timezone.now().isoformat(timespec="seconds")}
    )
    if request.method == "POST":
        call_id = form.cleaned_data.get("call") if form.is_valid() else None
    else:
        call_id = _int_or_none(request.GET.get("call"))
    call = telephony_desk.call_to_describe(request.user, call_id)
    if request.method == "POST" and form.is_valid():
        with ServiceErrors(form):
            return save_once(
                request,
                form,
                save=lambda: _save_quick_log(request, form.cleaned_data, call),
                # "Save and new call" leads to an empty form for the next caller.
                url_for=(
                    (lambda contact: reverse("contacts:quick_log"))
                    if "then_new" in request.POST
                    else _contact_url
                ),
                message=_("The contact was saved. You can complete it from today's list."),
            )
    if call is not None:
        form.initial["call"] = call.pk
        answered_at = call.answered_at.isoformat(timespec="seconds")
    else:
        answered_at = form["answered_at"].value() or timezone.now().isoformat(timespec="seconds")
    return render(
        request, "contacts/quick_log.html", {"form": form, "answered_at": answered_at, "call": call}
    )


@role_required(STAFF, LEADER)
def arrival(request):
    form = ArrivalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with ServiceErrors(form):
            return save_once(
                request,
                form,
                save=lambda: contact_services.register_arrival(
                    user=request.user, request=request, **form.cleaned_data
                ),
                url_for=lambda contact: reverse("contacts:board"),
                message=_("The arrival was registered."),
            )
    return render(request, "contacts/arrival.html", {"form": form})


@role_required(STAFF, LEADER)
@require_POST
def contact_start(request, contact_id):
    contact = get_object_or_404(Contact.objects.visible_to(request.user), pk=contact_id)
    contact = contact_services.start_conversation(contact=contact, user=request.user, request=request)
    return redirect("contacts:contact_detail", contact_id=contact.pk)


@role_required(STAFF, LEADER)
def contact_list(request):
    contact_filter = ContactFilter(
        request.GET or None, queryset=Contact.objects.visible_to(request.user).for_list()
    )
    page = CappedPaginator(contact_filter.qs, CONTACTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "contacts/contact_list.html", {"filter": contact_filter, "page": page})


def _conflict(error, form, conversation_form):
    """The contact page's refusal: both of its forms beside the contact and conversation saved."""
    current = error.current
    saved_conversation = CrisisConversation.objects.filter(contact=current).first()
    return locking.refuse(
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
    refusal = ServiceErrors(form, conflict=lambda error: _conflict(error, form, conversation_form))
    if request.method == "POST" and form.is_valid() and conversation_form.is_valid():
        data = {
            name: value for name, value in form.cleaned_data.items() if name not in {"reasons", "outcomes"}
        }
        with refusal:
            contact_services.update_contact(
                contact=contact,
                user=request.user,
                request=request,
                data=data,
                reasons=form.cleaned_data["reasons"],
                outcomes=form.cleaned_data["outcomes"],
                conversation=conversation_form.cleaned_data,
                version=form.opened_version,
            )
            messages.success(request, _("The contact was saved."))
            return redirect("contacts:contact_detail", contact_id=contact.pk)
    # The page shows the citizen the contact is tied to and what was said: a read of their data.
    audit(AuditAction.VIEW, request=request, obj=contact, person_id=contact.person_id)
    context = {
        "contact": contact,
        "form": form,
        "conversation_form": conversation_form,
        "conflict": refusal.conflict,
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
    person_services.link_person(contact=contact, person=person, user=request.user, request=request)
    messages.success(request, _("The contact is now tied to the citizen."))
    return redirect("contacts:contact_detail", contact_id=contact.pk)
