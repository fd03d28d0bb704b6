"""Phone numbers: normalising, encryption, the blind index and the last four digits.

A caller's number is personal data, kept like a CPR number: encrypted with the same key ring
(``CPR_ENCRYPTION_KEYS``, rotated by ``rotate_cpr_keys``), found through a keyed hash, and shown
by its last four digits. The hash is keyed with ``CPR_INDEX_KEY`` under its own prefix, so a
number's index can never equal a CPR number's.
"""

import hashlib
import hmac

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import cpr as cpr_module

DEFAULT_REGION = "DK"
_INDEX_PREFIX = b"phone:"


def normalise(value):
    """The number in E.164 (``+4512345678``), or ``None`` when ``value`` is not a possible number.

    Danish numbers may be written without ``+45``; words such as ``anonymous`` give ``None``.
    """
    text = str(value or "").strip()
    if not text or len(text) > 32:
        return None
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse(value):
    """Like ``normalise``, for a form: raises ``ValidationError`` instead of returning ``None``."""
    number = normalise(value)
    if number is None:
        raise ValidationError(_("Enter a phone number, e.g. 12 34 56 78 or +46 70 123 45 67."), code="phone")
    return number


def encrypt(number):
    return cpr_module.encrypt(number)


def decrypt(token):
    return cpr_module.decrypt(token)


def blind_index(number):
    """A keyed hash of a normalised number, for look-up without decrypting any row."""
    return hmac.new(
        settings.CPR_INDEX_KEY.encode(), _INDEX_PREFIX + number.encode(), hashlib.sha256
    ).hexdigest()


def last_four(number):
    return number[-4:]


def masked(last4):
    """What a page shows of a number: its last four digits."""
    return f"…{last4}" if last4 else ""


def national_format(number):
    """A readable form of a normalised number (``12 34 56 78`` for Danish numbers)."""
    parsed = phonenumbers.parse(number, DEFAULT_REGION)
    if parsed.country_code == 45:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
