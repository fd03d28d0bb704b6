"""The login name as the audit log and django-axes keep it: a CPR number typed into the name
field (it happens) is stored masked, as ``DDMMYY-xxxx``, like everywhere else in the service.

The mask keeps the birth date, so attempts with the same number still count toward the same
lockout, as a plain user name does.
"""

import re

from django.conf import settings

# Ten digits, with or without the dash or a space after the sixth, anywhere in the name.
_CPR_LIKE = re.compile(r"(?<!\d)(\d{6})[- ]?\d{4}(?!\d)")


def masked(name):
    """``name`` with every CPR-looking run of digits masked, cut to the column's 150 characters."""
    return _CPR_LIKE.sub(r"\1-xxxx", name or "")[:150]


def for_axes(request, credentials):
    """``AXES_USERNAME_CALLABLE``: the name axes stores in its tables and logs, masked."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        name = credentials.get(field)
    else:
        name = getattr(request, "data", request.POST).get(field) if request is not None else None
    return masked(name) if name is not None else None
