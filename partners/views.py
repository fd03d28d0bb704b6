import datetime
import logging

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from akuttilbud.roles import LEADER, STAFF, role_required
from contacts.models import Contact

from . import billing
from .filters import PartnerFilter
from .forms import (
    AgreementForm,
    BillingForm,
    ContactPersonFormSet,
    PartnerForm,
    PartnerKindForm,
    ReferralForm,
)
from .models import Agreement, AgreementStatus, Partner, PartnerKind, Referral, ReferralDirection
from .services import add_referral, save_agreement, save_partner

logger = logging.getLogger(__name__)

REFERRAL_HISTORY_MONTHS = 12


@role_required(STAFF, LEADER)
def partner_list(request):
    partner_filter = PartnerFilter(request.GET or None, queryset=Partner.objects.for_list())
    page = Paginator(partner_filter.qs, 50).get_page(request.GET.get("page"))
    return render(request, "partners/partner_list.html", {"filter": partner_filter, "page": page})


def _referral_months(partner, today):
    """Referrals in and out per local month, newest first, for the last months."""
    since_day = (today.replace(day=1) - datetime.timedelta(days=31 * (REFERRAL_HISTORY_MONTHS - 1))).replace(
        day=1
    )
    since = timezone.make_aware(datetime.datetime.combine(since_day, datetime.time.min))
    months = {}
    for row in Referral.objects.monthly_counts(partner, since):
        month = timezone.localtime(row["month"]) if timezone.is_aware(row["month"]) else row["month"]
        counts = months.setdefault(month.date().replace(day=1), {"in": 0, "out": 0})
        counts[row["direction"]] += row["count"]
    return [
        {"month": month, "in": counts[ReferralDirection.IN], "out": counts[ReferralDirection.OUT]}
        for month, counts in sorted(months.items(), reverse=True)
    ]


@role_required(STAFF, LEADER)
def partner_detail(request, partner_id):
    partner = get_object_or_404(Partner.objects.for_page(), pk=partner_id)
    today = timezone.localdate()
    agreements = sorted(
        partner.agreements.all(), key=lambda agreement: agreement.valid_to or datetime.date.max
    )
    active_agreements = [
        agreement for agreement in agreements if agreement.status_on(today) == AgreementStatus.ACTIVE
    ]
    return render(
        request,
        "partners/partner_detail.html",
        {
            "partner": partner,
            "active_agreements": active_agreements,
            "other_agreements": [agreement for agreement in agreements if agreement not in active_agreements],
            "referral_months": _referral_months(partner, today),
            "history_months": REFERRAL_HISTORY_MONTHS,
            "today": today,
        },
    )


def _edit_partner(request, partner):
    form = PartnerForm(request.POST or None, instance=partner)
    people_formset = ContactPersonFormSet(request.POST or None, instance=partner, prefix="people")
    if request.method == "POST" and form.is_valid() and people_formset.is_valid():
        partner = save_partner(partner=form.save(commit=False), people_formset=people_formset)
        messages.success(request, _("The partner was saved."))
        return redirect("partners:partner_detail", partner_id=partner.pk)
    return render(
        request,
        "partners/partner_form.html",
        {"form": form, "people_formset": people_formset, "partner": partner if partner.pk else None},
    )


@role_required(LEADER)
def partner_create(request):
    return _edit_partner(request, Partner())


@role_required(LEADER)
def partner_edit(request, partner_id):
    return _edit_partner(request, get_object_or_404(Partner, pk=partner_id))


@role_required(LEADER)
def kind_list(request):
    kinds = PartnerKind.objects.all()
    return render(request, "partners/kind_list.html", {"kinds": kinds})


def _edit_kind(request, kind):
    form = PartnerKindForm(request.POST or None, instance=kind)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The partner kind was saved."))
        return redirect("partners:kind_list")
    return render(request, "partners/kind_form.html", {"form": form, "kind": kind if kind.pk else None})


@role_required(LEADER)
def kind_create(request):
    return _edit_kind(request, PartnerKind())


@role_required(LEADER)
def kind_edit(request, kind_id):
    return _edit_kind(request, get_object_or_404(PartnerKind, pk=kind_id))


@role_required(STAFF, LEADER)
def agreement_list(request):
    today = timezone.localdate()
    agreements = Agreement.objects.for_list().order_by("partner__name", "-valid_from")
    page = Paginator(agreements, 50).get_page(request.GET.get("page"))
    return render(request, "partners/agreement_list.html", {"page": page, "today": today})


def _edit_agreement(request, agreement, initial=None):
    replaced_document_name = agreement.document.name if agreement.document else ""
    form = AgreementForm(request.POST or None, request.FILES or None, instance=agreement, initial=initial)
    if request.method == "POST" and form.is_valid():
        agreement = save_agreement(
            agreement=form.save(commit=False),
            replaced_document_name=replaced_document_name,
            changed_fields=form.changed_data,
            request=request,
        )
        messages.success(request, _("The agreement was saved."))
        return redirect("partners:partner_detail", partner_id=agreement.partner_id)
    return render(
        request,
        "partners/agreement_form.html",
        {"form": form, "agreement": agreement if agreement.pk else None},
    )


@role_required(LEADER)
def agreement_create(request):
    initial = {}
    partner_id = request.GET.get("partner", "")
    if partner_id.isdigit():
        initial["partner"] = Partner.objects.filter(pk=partner_id).first()
    return _edit_agreement(request, Agreement(), initial=initial)


@role_required(LEADER)
def agreement_edit(request, agreement_id):
    return _edit_agreement(request, get_object_or_404(Agreement, pk=agreement_id))


@role_required(LEADER)
def agreement_document(request, agreement_id):
    agreement = get_object_or_404(Agreement, pk=agreement_id)
    if not agreement.document:
        raise Http404
    try:
        handle = agreement.document.open("rb")
    except FileNotFoundError:
        logger.warning("agreement %s: document file missing", agreement.pk)
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"agreement-{agreement.pk}.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response


def _expiring(today):
    return Agreement.objects.expiring_within(today).for_list().order_by("valid_to", "partner__name")


@role_required(LEADER)
def expiring(request):
    today = timezone.localdate()
    return render(request, "partners/expiring.html", {"agreements": _expiring(today), "today": today})


@role_required(LEADER)
def expiring_fragment(request):
    today = timezone.localdate()
    return render(request, "partners/_expiring.html", {"agreements": _expiring(today), "today": today})


@role_required(STAFF, LEADER)
@require_http_methods(["GET", "POST"])
def contact_referrals(request, contact_id):
    contact = get_object_or_404(Contact.objects.select_related("person"), pk=contact_id)
    initial = {"direction": ReferralDirection.OUT} if not contact.in_target_group else {}
    form = ReferralForm(request.POST or None, initial=initial)
    added = False
    if request.method == "POST" and form.is_valid():
        add_referral(contact=contact, user=request.user, request=request, **form.cleaned_data)
        form = ReferralForm(initial=initial)
        added = True
    return render(
        request,
        "partners/_contact_referrals.html",
        {
            "contact": contact,
            "referrals": Referral.objects.for_contact(contact),
            "form": form,
            "added": added,
        },
    )


def _statement_for(request):
    """The bound form and, when it is valid and an agreement exists, the statement."""
    form = BillingForm(request.GET or None)
    if not form.is_valid():
        return form, None
    try:
        statement = billing.build_statement(
            municipality=form.cleaned_data["municipality"], month=form.cleaned_data["month"]
        )
    except billing.NoAgreement:
        form.add_error(
            "municipality",
            _("%(municipality)s has no inter-municipal agreement in force in %(month)s.")
            % {
                "municipality": form.cleaned_data["municipality"],
                "month": f"{form.cleaned_data['month']:%m.%Y}",
            },
        )
        return form, None
    return form, statement


@role_required(LEADER)
def billing_statement(request):
    form, statement = _statement_for(request)
    if statement is not None:
        billing.audit_statement(statement, route="page", request=request)
    response = render(request, "partners/billing.html", {"form": form, "statement": statement})
    add_never_cache_headers(response)
    return response


@role_required(LEADER)
def billing_statement_csv(request):
    form, statement = _statement_for(request)
    if statement is None:
        response = render(request, "partners/billing.html", {"form": form, "statement": None}, status=400)
        add_never_cache_headers(response)
        return response
    billing.audit_statement(statement, route="csv", request=request)
    response = HttpResponse(billing.statement_csv(statement), content_type="text/csv; charset=utf-8")
    filename = f"billing-{statement.municipality.code}-{statement.month_label}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    add_never_cache_headers(response)
    return response
