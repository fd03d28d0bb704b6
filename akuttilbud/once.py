"""One save per intention: every form that creates something carries a one-time token.

The page renders a fresh token into the form; the save records the token and where it led in
the same transaction. Posting the form again (a double click, Back and save again, a network
retry) finds the token and leads to the first result instead of creating a second record.
"""

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import FormSubmission

NOT_FROM_THIS_PAGE = gettext_lazy(
    "The form was not opened from this page. Check what you typed and save again."
)
TOKEN_FIELD = "once_token"  # noqa: S105 (a form field's name, not a secret)


class OnceTokenMixin:
    """Adds the hidden one-time token to a form (put it before ``forms.Form``/``ModelForm``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[TOKEN_FIELD] = forms.CharField(
            required=False, max_length=64, widget=forms.HiddenInput, initial=uuid.uuid4
        )

    def clean(self):
        cleaned = super().clean()
        # Kept apart from the cleaned data, which goes to the service as it is.
        token = cleaned.pop(TOKEN_FIELD, None)
        try:
            self.once_token = uuid.UUID(str(token or ""))
        except ValueError:
            self.once_token = None
            self.add_error(None, NOT_FROM_THIS_PAGE)
            # The page shown next carries a new token, so saving it again works.
            self.data = self.data.copy()
            self.data[self.add_prefix(TOKEN_FIELD)] = str(uuid.uuid4())
        return cleaned


def run_once(*, token, user, save, url_for):
    """Call ``save()`` unless ``token`` was saved before; return ``(url, created)``.

    ``url_for(result)`` is where the save leads; a repeated token leads there again. A save
    that raises leaves no trace of the token, so the corrected form can be saved with it.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                FormSubmission.objects.create(token=token, user=user)
        except IntegrityError:
            # Another request with this token got there first; on PostgreSQL the insert waited
            # for its transaction to commit, so where it led is known now.
            previous = FormSubmission.objects.filter(token=token, user=user).first()
            if previous is None:
                # Another user's token: it leads them nowhere.
                raise ValidationError(NOT_FROM_THIS_PAGE) from None
            return previous.result_url, False
        url = url_for(save())
        FormSubmission.objects.filter(token=token).update(result_url=url)
    return url, True


def repeated(request):
    """The redirect to where this post's token led before, or ``None``.

    For a form whose own validation would refuse the repeat (a unique name it just saved), so
    that posting it again leads to the first result rather than to an error.
    """
    try:
        token = uuid.UUID(str(request.POST.get(TOKEN_FIELD, "")))
    except ValueError:
        return None
    previous = FormSubmission.objects.filter(token=token, user=request.user).first()
    if previous is None:
        return None
    messages.info(request, _("This form was saved already; this is what it saved. Nothing new was created."))
    return redirect(previous.result_url)


def save_once(request, form, *, save, url_for, message):
    """The view's side of ``run_once``: save, say so, and redirect to the result.

    A ``ValidationError`` from ``save`` propagates for the view to show on the form. With
    ``message=None`` the result page says what happened itself (an htmx fragment).
    """
    url, created = run_once(token=form.once_token, user=request.user, save=save, url_for=url_for)
    if message is None:
        pass
    elif created:
        messages.success(request, message)
    else:
        messages.info(
            request, _("This form was saved already; this is what it saved. Nothing new was created.")
        )
    return redirect(url)
