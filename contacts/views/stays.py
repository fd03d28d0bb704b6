"""Overnight stays: booking a bed for a person and checking out."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from akuttilbud.forms import ServiceErrors
from akuttilbud.once import save_once
from akuttilbud.roles import LEADER, STAFF, role_required

from ..forms import CheckOutForm, StayForm
from ..models import CPR_MISSING_REASON, Person, Stay
from ..services import stays as stay_services
from . import _int_or_none, _person_url


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
        with ServiceErrors(form):
            return save_once(
                request,
                form,
                save=lambda: stay_services.book_stay(
                    person=person, user=request.user, request=request, **form.cleaned_data
                ),
                url_for=lambda stay: _person_url(person),
                message=_("The bed was booked."),
            )
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
        with ServiceErrors(form):
            stay_services.check_out_stay(stay=stay, user=request.user, request=request, **form.cleaned_data)
            messages.success(request, _("The stay was checked out."))
            return redirect("contacts:person_detail", person_id=stay.person_id)
    return render(request, "contacts/stay_check_out.html", {"form": form, "stay": stay})
