import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from akuttilbud.once import OnceTokenMixin
from akuttilbud.widgets import DateInput

from .exports import DIALECTS, KINDS
from .models import CostEntry
from .periods import DEFAULT_PRESET, PRESETS, Period

MONTH_FORMAT = "%Y-%m"
KIND_LABELS = {
    "contacts": _("Contacts (one row per contact)"),
    "wellbeing": _("Well-being scores (one row per SWEMWBS answer)"),
    "stays": _("Overnight stays"),
    "followups": _("Follow-ups"),
    "costs": _("Costs (per month and category)"),
}
DIALECT_LABELS = {
    "standard": _("Standard CSV (UTF-8, comma, decimal point)"),
    "excel-da": _("Danish Excel (semicolon, decimal comma)"),
}


class DateRangeForm(forms.Form):
    """A first and a last day, both included; ``period`` is the half-open range they span."""

    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To"), help_text=_("The last day included."), widget=DateInput())

    max_days = 3 * 366

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The last day must be on or after the first day."))
            elif (end - start).days >= self.max_days:
                self.add_error("end", _("Choose a period of at most three years."))
        return cleaned

    @property
    def period(self):
        return Period.inclusive(self.cleaned_data["start"], self.cleaned_data["end"])


class DashboardPeriodForm(DateRangeForm):
    """A preset or, with ``preset=custom``, a from/to of the leader's own."""

    preset = forms.ChoiceField(
        label=_("Period"),
        choices=[*PRESETS.items(), ("custom", _("Custom"))],
        initial=DEFAULT_PRESET,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start"].required = False
        self.fields["end"].required = False
        self.order_fields(["preset", "start", "end"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("preset") == "custom" or (
            not cleaned.get("preset") and (cleaned.get("start") or cleaned.get("end"))
        ):
            cleaned["preset"] = "custom"
            for name in ("start", "end"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, _("Enter a date."))
            # Nothing has happened in a period yet to begin: its figures would all be empty.
            if cleaned.get("start") and cleaned["start"] > timezone.localdate():
                self.add_error("start", _("The period has not begun yet."))
        return cleaned


class MonthlyReportForm(forms.Form):
    month = forms.DateField(
        label=_("Month"),
        input_formats=[MONTH_FORMAT],
        widget=forms.DateInput(format=MONTH_FORMAT, attrs={"type": "month", "placeholder": "YYYY-MM"}),
        error_messages={"invalid": _("Enter a month as YYYY-MM.")},
    )

    def clean_month(self):
        month = self.cleaned_data["month"]
        if not datetime.date(2000, 1, 1) <= month <= timezone.localdate():
            raise forms.ValidationError(_("Choose a month that has begun."))
        return month


class ExportForm(DateRangeForm):
    kind = forms.ChoiceField(label=_("Export"), choices=[(kind, KIND_LABELS[kind]) for kind in KINDS])
    dialect = forms.ChoiceField(
        label=_("File format"),
        choices=[(name, DIALECT_LABELS[name]) for name in DIALECTS],
        initial="standard",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["kind", "start", "end", "dialect"])


class LinkageKeyForm(DateRangeForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Why the key is needed, e.g. the register linkage the evaluation is permitted to make."),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("State why the key is needed.")},
    )
    dialect = forms.ChoiceField(
        label=_("File format"),
        choices=[(name, DIALECT_LABELS[name]) for name in DIALECTS],
        initial="standard",
    )


class CostEntryForm(forms.ModelForm):
    month = forms.DateField(
        label=_("Month"),
        input_formats=[MONTH_FORMAT],
        help_text=_("Year and month, e.g. 2026-10."),
        widget=forms.DateInput(format=MONTH_FORMAT, attrs={"type": "month", "placeholder": "YYYY-MM"}),
        error_messages={"invalid": _("Enter a month as YYYY-MM.")},
    )

    class Meta:
        model = CostEntry
        fields = ["month", "category", "amount", "note"]


class NewCostEntryForm(OnceTokenMixin, CostEntryForm):
    """A new cost entry: once per intention."""
