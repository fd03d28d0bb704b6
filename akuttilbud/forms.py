from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from .models import ServiceSettings


def add_service_errors(form, error):
    """Show a service's ValidationError on the form: beside the field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error)


class LoginForm(AuthenticationForm):
    """Django sets the user name's max_length without checking it; an over-long name must be a
    form error before django-axes records the failed attempt (PostgreSQL refuses the value)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class ServiceSettingsForm(forms.ModelForm):
    class Meta:
        model = ServiceSettings
        fields = [
            "service_name",
            "phone",
            "municipality",
            "organisation_model",
            "beds",
            "max_consecutive_nights",
            "follow_up_days",
            "follow_up_max_attempts",
            "goal_phone_wait_minutes",
            "goal_walk_in_wait_minutes",
            "goal_call_back_hours",
        ]


class OneTimeCodeForm(forms.Form):
    """A six-digit code from the user's authenticator app, checked against their TOTP device."""

    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, device, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self):
        code = self.cleaned_data["code"]
        if not code.isdigit():
            raise forms.ValidationError(_("Enter the six digits shown in the app."))
        allowed, _reason = self.device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError(_("Too many wrong codes. Wait a minute and try again."))
        # django-otp records the attempt on the device (drift, throttling) while checking it.
        if not self.device.verify_token(code):
            raise forms.ValidationError(
                _("That code is not right. Check that the clock on your phone is correct and try again.")
            )
        return code
