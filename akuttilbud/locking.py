"""Optimistic locking: an edit form carries the version of the record it was opened at.

Two staff members may open the same contact, citizen or plan. The save that comes second finds
a newer version than the one its form was opened at and is refused (``EditConflict``); the page
then shows, field by field, what the other saved next to what this user typed, keeps the typing,
and carries the newer version, so saving again is a deliberate choice to overwrite.
"""

import datetime

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

VERSION_FIELD = "version"
NOT_OPENED_HERE = gettext_lazy("The form was not opened from this page. Check what you typed and save again.")


class EditConflict(Exception):  # noqa: N818 (a refusal the view shows, as ValidationError is)
    """Another save came between opening the form and saving it; ``current`` is the record now."""

    def __init__(self, current):
        super().__init__(f"{type(current).__name__} {current.pk} changed to version {current.version}")
        self.current = current


def claim_version(instance, version):
    """Lock ``instance``'s row and give ``instance`` the next version; raise ``EditConflict``
    when the row is no longer at ``version`` (``None``: a save that holds no opened form).

    Call inside the save's transaction: the row stays locked until the save commits, so two
    saves at the same moment are ordered and the second sees the first's version.
    """
    current = type(instance)._base_manager.select_for_update().get(pk=instance.pk)
    if version is not None and current.version != version:
        raise EditConflict(current)
    instance.version = current.version + 1


class VersionedFormMixin:
    """Adds the hidden version the form was opened at (put it before ``forms.Form``/``ModelForm``).

    A model form takes it from its instance; another form is given ``version=``.
    """

    def __init__(self, *args, version=None, **kwargs):
        super().__init__(*args, **kwargs)
        if version is None:
            version = self.instance.version
        self.fields[VERSION_FIELD] = forms.IntegerField(
            required=False, min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput, initial=version
        )
        self.opened_version = None

    def clean(self):
        cleaned = super().clean()
        # Kept apart from the cleaned data, which goes to the service as it is.
        self.opened_version = cleaned.pop(VERSION_FIELD, None)
        if self.opened_version is None and VERSION_FIELD not in self.errors:
            self.add_error(None, NOT_OPENED_HERE)
            self.carry_version(self.fields[VERSION_FIELD].initial)
        return cleaned

    def carry_version(self, version):
        """Let the page shown next save over ``version`` (the user has seen what it holds)."""
        self.data = self.data.copy()
        self.data[self.add_prefix(VERSION_FIELD)] = str(version)


def _is_empty(value):
    return value in (None, "", [], ())


def _shown(field, value):
    """A field's value as the page shows it: a choice by its label, a time in local time."""
    if _is_empty(value):
        return "—"
    if isinstance(field, forms.NullBooleanField | forms.BooleanField):
        truth = {"true": True, "on": True, "1": True, "false": False, "0": False, "unknown": None}
        value = truth.get(str(value).lower(), value) if isinstance(value, str) else value
        return {True: _("Yes"), False: _("No")}.get(value, "—")
    if hasattr(field, "choices"):
        labels = {str(key): str(label) for key, label in field.choices}
        values = value if isinstance(value, list | tuple) else [value]
        return ", ".join(labels.get(str(field.prepare_value(item)), str(item)) for item in values)
    if isinstance(value, datetime.datetime):
        return formats.localize(timezone.localtime(value) if timezone.is_aware(value) else value)
    return str(value)


def conflict_rows(form, current_form):
    """Field by field where ``current_form`` (the record as now saved) differs from what ``form``
    holds: ``(label, saved, typed)``, the values as the page shows them."""
    rows = []
    for name, field in form.fields.items():
        if isinstance(field.widget, forms.HiddenInput):
            continue
        saved = current_form[name].initial
        typed = form[name].data
        if field.has_changed(saved, typed):
            rows.append((field.label or name, _shown(field, saved), _shown(field, typed)))
    return rows


def refuse(form, conflict, current_forms, extra_rows=()):
    """Put the refusal on ``form``: the message, the newer version, and the rows to show.

    ``current_forms`` pairs each bound form of the page with an unbound one of the record now.
    """
    current = conflict.current
    form.add_error(
        None,
        _(
            "Someone else saved this at %(time)s while you were editing. Your text is kept below; "
            "compare it with what they saved and save again to keep yours."
        )
        % {"time": formats.time_format(timezone.localtime(current.updated_at), "H:i")},
    )
    form.carry_version(current.version)
    rows = [row for bound, now in current_forms for row in conflict_rows(bound, now)]
    return rows + list(extra_rows)
