import datetime

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from akuttilbud.models import Municipality
from akuttilbud.widgets import DateInput

from .models import Agreement, AgreementType, Partner, PartnerContactPerson, PartnerKind, Referral

PDF_MAGIC = b"%PDF-"


class PartnerKindForm(forms.ModelForm):
    class Meta:
        model = PartnerKind
        fields = ["name", "position"]


class PartnerForm(forms.ModelForm):
    class Meta:
        model = Partner
        fields = ["name", "kind", "municipality", "phone", "email", "opening_hours", "notes", "active"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}


ContactPersonFormSet = forms.inlineformset_factory(
    Partner,
    PartnerContactPerson,
    fields=["name", "role", "phone", "email"],
    extra=2,
    can_delete=True,
    # A forged TOTAL_FORMS would otherwise make Django build and render 2,000 forms.
    max_num=50,
    validate_max=True,
    absolute_max=50,
)


class AgreementForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = [
            "partner",
            "type",
            "valid_from",
            "valid_to",
            "terms",
            "document",
            "price_per_contact",
            "price_per_bed_night",
            "bills_outgoing",
            "bills_others_calling",
            "bills_outside_target_group",
        ]
        widgets = {
            "valid_from": DateInput(),
            "valid_to": DateInput(),
            "terms": forms.Textarea(attrs={"rows": 6}),
            "document": forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        }
        help_texts = {
            "valid_from": _("Leave empty while the agreement is a draft."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = Partner.objects.select_related("kind")
        self.fields["document"].help_text = _("PDF only, at most %(size)s.") % {
            "size": filesizeformat(settings.AGREEMENT_DOCUMENT_MAX_BYTES)
        }

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if not isinstance(document, UploadedFile):
            return document
        if document.size > settings.AGREEMENT_DOCUMENT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large (%(size)s). The limit is %(limit)s."),
                code="too_large",
                params={
                    "size": filesizeformat(document.size),
                    "limit": filesizeformat(settings.AGREEMENT_DOCUMENT_MAX_BYTES),
                },
            )
        # The name and the browser's content type are the sender's claims; the first bytes are not.
        document.seek(0)
        head = document.read(len(PDF_MAGIC))
        document.seek(0)
        if head != PDF_MAGIC:
            raise forms.ValidationError(
                _("The file is not a PDF. Upload the agreement as a PDF document."), code="not_pdf"
            )
        return document

    def clean(self):
        cleaned_data = super().clean()
        valid_from = cleaned_data.get("valid_from")
        valid_to = cleaned_data.get("valid_to")
        if valid_from and valid_to and valid_to < valid_from:
            self.add_error("valid_to", _("The last valid day cannot be before the first."))
        if valid_to and not valid_from:
            self.add_error("valid_from", _("Give the first valid day when the last one is given."))
        if cleaned_data.get("type") == AgreementType.INTER_MUNICIPAL:
            for name in ("price_per_contact", "price_per_bed_night"):
                if cleaned_data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("An inter-municipal agreement needs a price."))
            partner = cleaned_data.get("partner")
            if partner is not None and partner.municipality_id is None:
                self.add_error(
                    "partner",
                    _("An inter-municipal agreement is made with a partner that has a municipality code."),
                )
        return cleaned_data


class ReferralForm(forms.ModelForm):
    agreed_by_citizen = forms.NullBooleanField(label=_("Agreed by the citizen"), required=False)

    class Meta:
        model = Referral
        fields = ["direction", "partner", "reason", "agreed_by_citizen", "outcome"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = Partner.objects.active().select_related("kind")
        self.fields["partner"].label_from_instance = lambda partner: f"{partner.name} ({partner.kind})"
        self.fields["agreed_by_citizen"].widget.choices = [
            ("unknown", _("Not asked")),
            ("true", _("Yes")),
            ("false", _("No")),
        ]


class BillingForm(forms.Form):
    """Which statement: a municipality code and a month (YYYY-MM)."""

    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.all(),
        to_field_name="code",
    )
    month = forms.CharField(
        label=_("Month"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )

    def clean_month(self):
        try:
            return parse_month(self.cleaned_data["month"])
        except ValueError:
            raise forms.ValidationError(
                _("Write the month as YYYY-MM, e.g. 2026-10."), code="month"
            ) from None


def parse_month(value):
    """The first day of the month written ``YYYY-MM``; ``ValueError`` otherwise."""
    value = (value or "").strip()
    if len(value) != 7 or value[4] != "-":
        raise ValueError(value)
    year, month = int(value[:4]), int(value[5:])
    if year < 2000 or year > 2100:
        raise ValueError(value)
    return datetime.date(year, month, 1)
