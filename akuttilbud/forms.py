from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from .locking import EditConflict
from .models import ServiceSettings, User


def add_service_errors(form, error):
    """Show a service's ValidationError on the form: beside the field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error)


class ServiceErrors:
    """Run a view's save so that the service's refusal shows on the page instead of a 500::

        with ServiceErrors(form) as refusal:
            saved = services.save_it(...)
            return redirect(...)
        return render(..., {"form": form, "conflict": refusal.conflict})

    A ``ValidationError`` goes on ``form`` (``add_service_errors``) and is kept as ``error``, so
    the view can say more about it (a ``DuplicateCPR``'s holder). An ``EditConflict`` becomes
    ``conflict``, the rows ``conflict(error)`` returns (``locking.refuse``); a form without a
    version lets it through. Either way the block ends and the view renders the form again.
    """

    def __init__(self, form, conflict=None):
        self.form = form
        self.on_conflict = conflict
        self.error = None
        self.conflict = []

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if isinstance(error, ValidationError):
            self.error = error
            add_service_errors(self.form, error)
            return True
        if isinstance(error, EditConflict) and self.on_conflict is not None:
            self.conflict = self.on_conflict(error)
            return True
        return False


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
    """A six-digit code from the user's authenticator app; ``otp.py`` checks it against the device."""

    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_code(self):
        code = self.cleaned_data["code"]
        if not code.isdigit():
            raise forms.ValidationError(_("Enter the six digits shown in the app."))
        return code


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(
        label=_("Recovery code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class EnrolmentCodeForm(forms.Form):
    enrolment_code = forms.CharField(
        label=_("Enrolment code"),
        max_length=20,
        help_text=_("A leader or an administrator gives you this code when you set up two-factor login."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class IssueEnrolmentCodeForm(forms.Form):
    user = forms.ModelChoiceField(label=_("User"), queryset=None)

    def __init__(self, *args, issuer, **kwargs):
        super().__init__(*args, **kwargs)
        # Never oneself: a second person vouches for the device, beyond the password.
        self.fields["user"].queryset = (
            User.objects.filter(is_active=True).exclude(pk=issuer.pk).order_by("username")
        )
        self.fields["user"].label_from_instance = lambda user: f"{user.display_name} ({user.username})"
