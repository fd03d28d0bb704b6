import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from akuttilbud.models import Role, User
from contacts.models import Person

from .models import EventKind, Extension, Line, TelephonySettings


class EventForm(forms.Form):
    """One event of the event API, as the switchboard posts it (docs/telephony.md)."""

    call_id = forms.CharField(max_length=128)
    event = forms.ChoiceField(choices=EventKind.choices)
    at = forms.CharField(max_length=40)
    line = forms.CharField(max_length=40)
    caller = forms.CharField(max_length=64, required=False)
    extension = forms.CharField(max_length=32, required=False)
    event_id = forms.CharField(max_length=128)
    hung_up_by = forms.CharField(max_length=16, required=False)

    def clean_at(self):
        try:
            at = datetime.datetime.fromisoformat(self.cleaned_data["at"])
        except ValueError:
            raise forms.ValidationError(_("Not an ISO-8601 time.")) from None
        if at.tzinfo is None:
            raise forms.ValidationError(_("The time needs its UTC offset, e.g. +01:00 or Z."))
        return at

    def clean_caller(self):
        # Anything but a string (a number, a list ...) is no number: the call counts as withheld.
        return self.cleaned_data["caller"] if isinstance(self.data.get("caller"), str) else ""


class LineForm(forms.ModelForm):
    class Meta:
        model = Line
        fields = ["code", "name"]


class ExtensionForm(forms.ModelForm):
    class Meta:
        model = Extension
        fields = ["number", "user"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(
            is_active=True, role__in=[Role.STAFF, Role.LEADER]
        ).order_by("first_name", "username")
        self.fields["user"].label_from_instance = lambda user: user.display_name


LineFormSet = forms.modelformset_factory(Line, form=LineForm, extra=1, can_delete=True)
ExtensionFormSet = forms.modelformset_factory(Extension, form=ExtensionForm, extra=2, can_delete=True)


class TelephonySettingsForm(forms.ModelForm):
    class Meta:
        model = TelephonySettings
        fields = [
            "grace_seconds",
            "undescribed_after_minutes",
            "sms_enabled",
            "sms_text",
            "number_retention_days",
            "index_retention_days",
        ]

    def clean_sms_text(self):
        # The message may reach another person's phone: it names the time, never a placeholder
        # for anything else.
        text = self.cleaned_data["sms_text"]
        if "{time}" not in text:
            raise forms.ValidationError(_("Put {time} where the promised time goes."))
        if "{" in text.replace("{time}", "") or "}" in text.replace("{time}", ""):
            raise forms.ValidationError(_("Only {time} may stand in braces."))
        return text


class NumberLinkForm(forms.Form):
    """Link (or unlink) a call's number and a citizen: the one given, else the call's contact's."""

    person = forms.ModelChoiceField(queryset=Person.objects.all(), required=False, widget=forms.HiddenInput)
    unlink = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call

    def clean(self):
        cleaned = super().clean()
        if not self.call.phone_index:
            raise forms.ValidationError(_("This call has no number to link."))
        if cleaned.get("person") is None:
            contact = self.call.contact
            if contact is None or contact.person is None:
                raise forms.ValidationError(_("Choose the citizen on the call's contact first."))
            cleaned["person"] = contact.person
        return cleaned
