import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from akuttilbud import cpr as cpr_module
from akuttilbud import phone as phone_module
from akuttilbud.locking import VersionedFormMixin
from akuttilbud.once import OnceTokenMixin
from akuttilbud.widgets import DateTimeInput

from .models import (
    Acuteness,
    CallbackKind,
    Channel,
    Contact,
    CrisisConversation,
    NotificationDecision,
    Outcome,
    Person,
    Reason,
)

# A quick log left open longer than this is not a single call; the timer's start is then ignored.
QUICK_LOG_MAX_OPEN = datetime.timedelta(hours=12)


class DateTimeField(forms.DateTimeField):
    """A date and time within years a record can have; others would overflow in time-zone maths."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and not 1900 <= value.year < 2200:
            raise ValidationError(_("Enter a date between 1900 and 2199."), code="out_of_range")
        return value


# A clock a few minutes ahead of the server's must not stop a save made right now.
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)


def not_in_future(value):
    if value and value > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationError(_("The time cannot be in the future."), code="future")


def datetime_field(label, *, required=False, help_text=""):
    """A time something happened: every time the desk records has happened already, so the
    error stands on the field that is in the future, before times are compared."""
    return DateTimeField(
        label=label,
        required=required,
        widget=DateTimeInput(),
        help_text=help_text,
        validators=[not_in_future],
    )


class LookUpForm(forms.Form):
    """What the "Who" field posts while staff type (``WhoMixin``)."""

    who = forms.CharField(required=False, max_length=100)


class WhoMixin:
    """A form's "Who": a name, nickname, CPR or phone number the citizen is looked up by while
    staff type (only looked up, never saved), and the person chosen among the matches, which
    the page shows as radio buttons named ``person`` (templates/contacts/includes/who_matches.html).

    ``persons`` are those the user may choose (``Person.objects.visible_to(user)``).
    """

    def __init__(self, *args, persons=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["who"] = forms.CharField(
            label=_("Who"),
            required=False,
            max_length=100,
            help_text=_("Name, nickname, CPR or phone number. Arrow down chooses among the citizens found."),
        )
        self.fields["who"].widget.attrs.update(
            {
                "autocomplete": "off",
                # It may hold a CPR or phone number, which a draft never keeps.
                "data-draft-skip": "",
                "data-lookup": "who-matches",
                "aria-controls": "who-matches",
                "hx-post": reverse_lazy("contacts:person_lookup"),
                "hx-trigger": "input changed delay:250ms, search",
                "hx-target": "#who-matches",
                "hx-swap": "outerHTML",
                # Only the term: the CPR or number typed goes in the body of a POST, never a URL.
                "hx-params": "who",
                "hx-sync": "this:replace",
            }
        )
        self.fields["person"] = forms.ModelChoiceField(
            label=_("Citizen"),
            queryset=persons if persons is not None else Person.objects.none(),
            required=False,
            widget=forms.HiddenInput,
        )
        # First: who before what. The quick log's line keeps the focus, and Tab from it still
        # leads to the acuteness (keys.js); Shift+Tab leads from it to "Who".
        self.order_fields(["who", "person"])

    def clean(self):
        cleaned = super().clean()
        cleaned.pop("who", None)
        return cleaned


class QuickLogForm(WhoMixin, OnceTokenMixin, forms.Form):
    # The line first: staff type while they listen, then pick acuteness; the channel is nearly always phone.
    summary = forms.CharField(label=_("In one line"), max_length=300)
    acuteness = forms.TypedChoiceField(
        label=_("Acuteness"), choices=Acuteness.choices, coerce=int, widget=forms.RadioSelect
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    answered_at = forms.CharField(required=False, widget=forms.HiddenInput())
    # The phone line's call this log describes (telephony.desk); empty without a phone system.
    call = forms.IntegerField(required=False, widget=forms.HiddenInput(), min_value=1, max_value=2**62)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["summary"].widget.attrs["autofocus"] = True

    def clean_answered_at(self):
        # The hidden start time comes from the page; one that cannot be right is replaced by now.
        try:
            answered_at = DateTimeField(required=False).clean(self.cleaned_data.get("answered_at"))
        except ValidationError:
            return None
        now = timezone.now()
        if answered_at is None or answered_at > now or now - answered_at > QUICK_LOG_MAX_OPEN:
            return None
        return answered_at


class ArrivalForm(WhoMixin, OnceTokenMixin, forms.Form):
    # Set when staff saw the persons of the same name and chose to register a new one.
    new_person = forms.BooleanField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    nickname = forms.CharField(label=_("Nickname"), max_length=60, required=False)
    stated_age = forms.IntegerField(
        label=_("Stated age"), required=False, validators=[MinValueValidator(0), MaxValueValidator(120)]
    )
    arrived_at = datetime_field(_("Arrived"), help_text=_("Leave empty for now."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["who"].widget.attrs["autofocus"] = True


class ChecklistField(forms.ModelMultipleChoiceField):
    """Refuses a value that cannot be an id before it reaches the database (SQLite cannot bind
    integers beyond 64 bits)."""

    def _check_values(self, value):
        for key in value or ():
            if not str(key).isdigit() or len(str(key)) > 18:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": key}
                )
        return super()._check_values(value)


class ContactForm(VersionedFormMixin, forms.ModelForm):
    started_at = datetime_field(_("Started"), required=True, help_text=_("Phone rang / citizen arrived."))
    answered_at = datetime_field(_("Answered"))
    ended_at = datetime_field(_("Ended"))
    notified_at = datetime_field(_("Municipality notified at"))

    class Meta:
        model = Contact
        fields = [
            "channel",
            "direction",
            "caller_role",
            "caller_partner",
            "stated_age",
            "started_at",
            "answered_at",
            "ended_at",
            "acuteness",
            "reasons",
            "in_target_group",
            "outcomes",
            "summary",
            "notification_decision",
            "notified_at",
        ]
        widgets = {
            "reasons": forms.CheckboxSelectMultiple,
            "outcomes": forms.CheckboxSelectMultiple,
        }
        field_classes = {"reasons": ChecklistField, "outcomes": ChecklistField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reasons"].queryset = Reason.objects.filter(active=True)
        self.fields["outcomes"].queryset = Outcome.objects.filter(active=True)
        self.fields["channel"].widget.attrs["autofocus"] = True

    def clean(self):
        cleaned = super().clean()
        started = cleaned.get("started_at")
        for name in ("answered_at", "ended_at"):
            value = cleaned.get(name)
            if started and value and value < started:
                self.add_error(name, _("This time must be after the start."))
        decision = cleaned.get("notification_decision")
        if decision == NotificationDecision.NOTIFIED and not cleaned.get("notified_at"):
            self.add_error("notified_at", _("Enter when the municipality was notified."))
        return cleaned


class ConversationForm(forms.ModelForm):
    class Meta:
        model = CrisisConversation
        fields = ["situation", "actions", "agreed", "assessment"]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in fields}


class CPRField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("CPR number"))
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", _("DDMMYY-SSSS"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "off", "inputmode": "numeric"})

    def clean(self, value):
        value = super().clean(value)
        return cpr_module.parse(value) if value else ""


class PhoneField(forms.CharField):
    """A citizen's number, normalised to E.164 (``akuttilbud.phone``). It is never kept in a
    browser draft, and is typed in full: a stored number is never put back into the form."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "off", "inputmode": "tel", "data-draft-skip": ""})

    def clean(self, value):
        value = super().clean(value)
        return phone_module.parse(value) if value else ""


class PersonForm(forms.ModelForm):
    phone = PhoneField(label=_("Phone for follow-up"), required=False)
    remove_phone = forms.BooleanField(label=_("Remove the stored number"), required=False)

    class Meta:
        model = Person
        fields = [
            "name",
            "nickname",
            "birth_year",
            "home_municipality",
            "phone",
            "remove_phone",
            "psychiatry_contact",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autofocus"] = True
        if self.instance.has_phone:
            self.fields["phone"].help_text = _(
                "A number ending in %(last4)s is stored. Leave empty to keep it, or type a new one."
            ) % {"last4": self.instance.masked_phone}
        else:
            del self.fields["remove_phone"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("remove_phone") and cleaned.get("phone"):
            self.add_error("phone", _("Type a new number or remove the stored one, not both."))
        return cleaned


class EditPersonForm(VersionedFormMixin, PersonForm):
    """A person's edit page, saved over the version it was opened at."""


class NewPersonForm(OnceTokenMixin, PersonForm):
    cpr = CPRField(required=False)

    class Meta(PersonForm.Meta):
        fields = ["cpr", *PersonForm.Meta.fields]


class IdentifyForm(forms.Form):
    cpr = CPRField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cpr"].widget.attrs["autofocus"] = True


class PersonSearchForm(forms.Form):
    term = forms.CharField(
        label=_("CPR number, nickname, name or phone"),
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    contact = forms.IntegerField(required=False, widget=forms.HiddenInput(), min_value=1)
    merge_with = forms.IntegerField(required=False, widget=forms.HiddenInput(), min_value=1)


class StayForm(OnceTokenMixin, forms.Form):
    bed = forms.IntegerField(label=_("Bed"), validators=[MinValueValidator(1), MaxValueValidator(50)])
    check_in = datetime_field(_("Check-in"), required=True)
    check_out = datetime_field(_("Check-out"), help_text=_("Leave empty while the citizen is staying."))
    meals = forms.IntegerField(
        label=_("Meals"), initial=0, validators=[MinValueValidator(0), MaxValueValidator(50)]
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        cleaned = super().clean()
        check_in, check_out = cleaned.get("check_in"), cleaned.get("check_out")
        if check_in and check_out and check_out <= check_in:
            self.add_error("check_out", _("Check-out must be after check-in."))
        return cleaned


def _minute_of(moment):
    return moment.replace(second=0, microsecond=0)


class BoardBedForm(OnceTokenMixin, forms.Form):
    """A free bed booked from the shift board for one of tonight's citizens, from now on."""

    bed = forms.IntegerField(label=_("Bed"), validators=[MinValueValidator(1), MaxValueValidator(50)])
    person = forms.ModelChoiceField(label=_("Citizen"), queryset=Person.objects.none())

    def __init__(self, *args, persons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = persons
        self.fields["person"].label_from_instance = lambda person: person.label


class CheckOutForm(forms.Form):
    check_out = datetime_field(_("Check-out"), required=True)
    meals = forms.IntegerField(label=_("Meals"), validators=[MinValueValidator(0), MaxValueValidator(50)])
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, stay, **kwargs):
        super().__init__(*args, **kwargs)
        self.stay = stay

    def clean_check_out(self):
        check_out = self.cleaned_data["check_out"]
        check_in = self.stay.check_in
        now = timezone.now()
        if check_out <= check_in and _minute_of(check_out) == _minute_of(check_in) == _minute_of(now):
            # The form holds minutes only, so checking out now, in the check-in's minute, posts
            # a time at or before the check-in; it means this moment.
            check_out = max(now, check_in + datetime.timedelta(microseconds=1))
        if check_out <= check_in:
            raise ValidationError(_("Check-out must be after check-in."))
        return check_out


class PersonChoiceField(forms.ModelChoiceField):
    """Refuses a value that cannot be an id before it reaches the database."""

    def to_python(self, value):
        if value not in self.empty_values and (not str(value).isdigit() or len(str(value)) > 18):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class CallbackForm(OnceTokenMixin, forms.Form):
    """A call-back to register. The citizen, when known, is picked from a search by name
    (``persons``: the matches to offer), posted with the form so no search term is in a URL."""

    kind = forms.ChoiceField(label=_("Kind"), choices=CallbackKind.choices)
    received_at = datetime_field(_("Received"), help_text=_("Leave empty for now."))
    phone = PhoneField(label=_("Number"))
    due_at = DateTimeField(
        label=_("Promised by"),
        required=False,
        widget=DateTimeInput(),
        help_text=_("The time the caller was promised. Leave empty for the service goal."),
    )
    person_term = forms.CharField(
        label=_("Find the citizen by name or nickname"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    person = PersonChoiceField(
        label=_("Citizen"),
        queryset=Person.objects.all(),
        required=False,
        widget=forms.RadioSelect,
        empty_label=_("No citizen"),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, persons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget.attrs["autofocus"] = True
        # Only the matches (and the citizen already chosen) are offered, never every person.
        chosen = self._chosen_person()
        offered = list(persons) + ([chosen] if chosen is not None and chosen not in persons else [])
        self.fields["person"].widget.choices = [("", _("No citizen"))] + [
            (person.pk, person.label) for person in offered
        ]
        if not offered:
            self.fields["person"].widget = forms.HiddenInput()

    def _chosen_person(self):
        value = self.data.get(self.add_prefix("person")) if self.is_bound else self.initial.get("person")
        if not value or not str(value).isdigit() or len(str(value)) > 18:
            return None
        return Person.objects.filter(pk=value).first()

    def clean(self):
        cleaned = super().clean()
        cleaned.pop("person_term", None)
        received, due = cleaned.get("received_at"), cleaned.get("due_at")
        if due and received and due < received:
            self.add_error("due_at", _("The promised time must be after the call was received."))
        return cleaned


class CompleteCallbackForm(OnceTokenMixin, forms.Form):
    summary = forms.CharField(label=_("In one line"), max_length=300, required=False)
    acuteness = forms.TypedChoiceField(
        label=_("Acuteness"),
        choices=[("", "---------"), *Acuteness.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["summary"].widget.attrs["autofocus"] = True


class ShiftNoteForm(OnceTokenMixin, forms.Form):
    text = forms.CharField(label=_("Handover note"), max_length=500)


class MergeForm(forms.Form):
    confirm = forms.BooleanField(label=_("Yes, these are the same citizen"))
