"""Call-backs: registering one, revealing its number, completing it."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from akuttilbud.forms import ServiceErrors
from akuttilbud.once import save_once
from akuttilbud.roles import LEADER, STAFF, role_required

from ..forms import CallbackForm, CompleteCallbackForm
from ..models import Callback
from ..services import callbacks as callback_services
from ..services import persons as person_services

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
        persons = (
            person_services.search_persons(term=term, user=request.user, request=request) if term else []
        )
        form = CallbackForm(initial=initial, persons=persons)
        return render(
            request, "contacts/callback_form.html", {"form": form, "searched": bool(term), "persons": persons}
        )
    form = CallbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "received_at": form.cleaned_data["received_at"] or timezone.now()}
        with ServiceErrors(form):
            return save_once(
                request,
                form,
                save=lambda: callback_services.register_callback(user=request.user, request=request, **data),
                url_for=lambda callback: reverse("contacts:board"),
                message=_("The call-back was registered."),
            )
    return render(request, "contacts/callback_form.html", {"form": form})


@role_required(STAFF, LEADER)
@require_POST
def callback_number(request, callback_id):
    """The number to call back, in clear, on the call-back's page (audited)."""
    callback = get_object_or_404(
        Callback.objects.visible_to(request.user).select_related("person"), pk=callback_id
    )
    number = person_services.reveal_phone(
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
        with ServiceErrors(form):
            return save_once(
                request,
                form,
                save=lambda: callback_services.complete_callback(
                    callback=callback, user=request.user, request=request, **form.cleaned_data
                ),
                url_for=lambda done: reverse("contacts:contact_detail", args=[done.contact_id]),
                message=_("The call-back is done and logged as a contact."),
            )
    return render(request, "contacts/callback_complete.html", {"form": form, "callback": callback})
