from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from akuttilbud.locking import VersionedFormMixin
from akuttilbud.once import OnceTokenMixin
from akuttilbud.widgets import DateInput

from .models import FollowUpChannel, FollowUpStatus, TimeOfDay
from .sections import PEOPLE, SECTIONS, SELF_RATING_AREAS, TEXT
from .swemwbs import ANSWERS, ITEM_FIELDS, ITEMS, clean_answers

TEXT_SECTIONS = [(key, label) for key, kind, label in SECTIONS if kind == TEXT]
PEOPLE_SECTIONS = [(key, label) for key, kind, label in SECTIONS if kind == PEOPLE]

# Short numbers such as 112 and 1813 belong in the professionals section, so shorter than a
# citizen's own phone number is allowed here.
plan_phone_validator = RegexValidator(
    r"^\+?[0-9 ]{3,16}$", _("Enter a phone number of 3 to 16 digits (spaces and a leading + allowed).")
)

RATING_CHOICES = [("", "–"), *[(str(number), str(number)) for number in range(1, 6)]]


class PlanForm(forms.Form):
    """The plan's text sections (one entry per line), self-rating and follow-up wish.

    The people sections are formsets beside it (``PersonEntryFormSet``).
    """

    wants_follow_up = forms.BooleanField(label=_("The citizen wants a follow-up"), required=False)
    follow_up_channel = forms.ChoiceField(label=_("Follow-up by"), choices=FollowUpChannel.choices)
    follow_up_time_of_day = forms.ChoiceField(label=_("Preferred time of day"), choices=TimeOfDay.choices)
    citizen_knows_staff_can_read = forms.BooleanField(
        label=_("The citizen knows that staff can read the plan"), required=False
    )
    internal_note = forms.CharField(
        label=_("Internal note (not printed)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in TEXT_SECTIONS:
            self.fields[key] = forms.CharField(
                label=label,
                required=False,
                max_length=5000,
                help_text=_("One entry per line, in the citizen's own words."),
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        for key, label in SELF_RATING_AREAS:
            self.fields[f"rating_{key}"] = forms.TypedChoiceField(
                label=label,
                choices=RATING_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
                help_text=_("1 = very hard, 5 = fine."),
            )
            self.fields[f"goal_{key}"] = forms.CharField(
                label=_("Goal in five days: %(area)s") % {"area": label}, required=False, max_length=300
            )

    @classmethod
    def initial_from(cls, plan):
        initial = {
            "wants_follow_up": plan.wants_follow_up,
            "follow_up_channel": plan.follow_up_channel,
            "follow_up_time_of_day": plan.follow_up_time_of_day,
            "citizen_knows_staff_can_read": plan.citizen_knows_staff_can_read,
            "internal_note": plan.internal_note,
        }
        for key, _label in TEXT_SECTIONS:
            initial[key] = "\n".join(plan.sections.get(key, []))
        for key, _label in SELF_RATING_AREAS:
            rating = plan.self_rating.get(key, {})
            initial[f"rating_{key}"] = rating.get("rating")
            initial[f"goal_{key}"] = rating.get("goal", "")
        return initial

    def content(self, people):
        """The plan content for ``services.create_plan``/``update_plan``; ``people`` maps each
        people section to its formset's entries."""
        data = self.cleaned_data
        sections = {
            key: [line.strip() for line in data[key].splitlines() if line.strip()]
            for key, _label in TEXT_SECTIONS
        }
        sections.update(people)
        self_rating = {}
        for key, _label in SELF_RATING_AREAS:
            rating, goal = data[f"rating_{key}"], data[f"goal_{key}"].strip()
            if rating is not None or goal:
                self_rating[key] = {"rating": rating, "goal": goal}
        return {
            "sections": {key: sections[key] for key, _kind, _label in SECTIONS},
            "self_rating": self_rating,
            "wants_follow_up": data["wants_follow_up"],
            "follow_up_channel": data["follow_up_channel"],
            "follow_up_time_of_day": data["follow_up_time_of_day"],
            "citizen_knows_staff_can_read": data["citizen_knows_staff_can_read"],
            "internal_note": data["internal_note"],
        }


class EditPlanForm(VersionedFormMixin, PlanForm):
    """An open plan's edit page, saved over the version it was opened at (``version=``)."""


class NewPlanForm(OnceTokenMixin, PlanForm):
    """A new plan: once per intention, however often the form is posted."""


class PersonEntryForm(forms.Form):
    name = forms.CharField(label=_("Name"), required=False, max_length=120)
    phone = forms.CharField(
        label=_("Phone"), required=False, max_length=20, validators=[plan_phone_validator]
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("phone") and not cleaned.get("name", "").strip():
            self.add_error("name", _("Write who this number belongs to."))
        return cleaned


class BasePersonEntryFormSet(forms.BaseFormSet):
    def entries(self):
        """The filled-in rows in order, as the plan stores them."""
        return [
            {"name": form.cleaned_data["name"].strip(), "phone": form.cleaned_data.get("phone", "").strip()}
            for form in self.forms
            if form.cleaned_data.get("name", "").strip()
        ]


# absolute_max: a forged TOTAL_FORMS would otherwise make Django build and render 1,030 forms.
PersonEntryFormSet = forms.formset_factory(
    PersonEntryForm, formset=BasePersonEntryFormSet, extra=2, max_num=30, validate_max=True, absolute_max=30
)


class SwemwbsFieldsMixin:
    """The seven SWEMWBS statements as radio groups with the five answers."""

    swemwbs_required = True

    def add_swemwbs_fields(self):
        for number, (field, statement) in enumerate(zip(ITEM_FIELDS, ITEMS, strict=True), start=1):
            self.fields[field] = forms.TypedChoiceField(
                label=f"{number}. {statement}",
                choices=[(str(value), label) for value, label in ANSWERS],
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )

    def clean_swemwbs(self, cleaned):
        """The answers as a list, ``None`` when optional and left empty; errors beside each item."""
        answers = {field: cleaned.get(field) for field in ITEM_FIELDS}
        if not self.swemwbs_required and all(value is None for value in answers.values()):
            return None
        try:
            return clean_answers(answers)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                if field not in self.errors:
                    self.add_error(field, messages)
            return None


class WellbeingScoreForm(OnceTokenMixin, SwemwbsFieldsMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_swemwbs_fields()

    def clean(self):
        cleaned = super().clean()
        cleaned["answers"] = self.clean_swemwbs(cleaned)
        return cleaned


class FollowUpRecordForm(OnceTokenMixin, SwemwbsFieldsMixin, forms.Form):
    swemwbs_required = False

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[choice for choice in FollowUpStatus.choices if choice[0] != FollowUpStatus.OPEN],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_swemwbs_fields()

    def clean(self):
        cleaned = super().clean()
        cleaned["score"] = self.clean_swemwbs(cleaned)
        return cleaned


class WorklistState:
    OPEN = "open"
    DUE = "due"
    OVERDUE = "overdue"
    DONE = "done"


class WorklistFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            (WorklistState.OPEN, _("All open")),
            (WorklistState.DUE, _("Due (today or earlier)")),
            (WorklistState.OVERDUE, _("Overdue")),
            (WorklistState.DONE, _("Done")),
        ],
    )
    from_date = forms.DateField(label=_("Due from"), required=False, widget=DateInput())
    to_date = forms.DateField(label=_("Due to"), required=False, widget=DateInput())

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("from_date"), cleaned.get("to_date")
        if first and last and first > last:
            self.add_error("to_date", _("The end date is before the start date."))
        return cleaned
