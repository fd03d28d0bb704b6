"""A view's save refused by its service shows on the form (akuttilbud/forms.ServiceErrors)."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from akuttilbud.forms import ServiceErrors
from akuttilbud.locking import EditConflict
from tests.factories import PersonFactory


class NameForm(forms.Form):
    name = forms.CharField()


def _valid_form():
    form = NameForm({"name": "Ane"})
    assert form.is_valid()
    return form


def test_a_field_error_stands_beside_its_field_and_the_rest_of_the_block_is_skipped():
    form = _valid_form()
    reached = []

    def save():
        raise ValidationError({"name": "Taken.", "bed": "Not on this form."})

    with ServiceErrors(form) as refusal:
        save()
        reached.append("the line after the save")
    assert reached == []
    assert form.errors["name"] == ["Taken."]
    assert form.non_field_errors() == ["Not on this form."]
    assert not form.is_valid()
    assert isinstance(refusal.error, ValidationError)
    assert refusal.conflict == []


def test_an_error_without_a_field_stands_above_the_form():
    form = _valid_form()
    with ServiceErrors(form) as refusal:
        raise ValidationError("Already made.")
    assert form.non_field_errors() == ["Already made."]
    assert refusal.error.messages == ["Already made."]


def test_a_save_that_succeeds_leaves_the_form_as_it_was():
    form = _valid_form()
    with ServiceErrors(form) as refusal:
        saved = "saved"
    assert saved == "saved"
    assert form.is_valid()
    assert refusal.error is None
    assert refusal.conflict == []


@pytest.mark.django_db
def test_an_edit_conflict_becomes_the_rows_the_view_builds_from_it():
    form = _valid_form()
    current = PersonFactory()
    with ServiceErrors(form, conflict=lambda error: [("who", error.current.pk)]) as refusal:
        raise EditConflict(current)
    assert refusal.conflict == [("who", current.pk)]
    assert refusal.error is None


@pytest.mark.django_db
def test_an_edit_conflict_on_a_form_without_a_version_is_not_swallowed():
    with pytest.raises(EditConflict), ServiceErrors(_valid_form()):
        raise EditConflict(PersonFactory())


def test_any_other_error_is_not_swallowed():
    with pytest.raises(KeyError), ServiceErrors(_valid_form()):
        raise KeyError("name")
