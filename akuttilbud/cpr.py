"""CPR numbers: parsing, validation, masking, encryption and the blind index.

Validation follows the CPR office's rules: ten digits whose first six, with the century from the
seventh digit, give a real date that is not in the future. Modulus 11 is deliberately not checked:
numbers issued since 1 October 2007 may fail it and every system must accept them.
"""

import datetime
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.dk import cpr as stdnum_cpr
from stdnum.exceptions import InvalidComponent
from stdnum.util import isdigits


def parse(value, *, today=None):
    """Return the ten digits of a valid CPR number, or raise ``ValidationError``.

    Spaces and a hyphen are accepted on input; letters (regional replacement numbers) are not.
    """
    digits = stdnum_cpr.compact(str(value or ""))
    if not isdigits(digits) or len(digits) != 10:
        raise ValidationError(_("A CPR number is 10 digits, written DDMMYY-SSSS."), code="cpr_format")
    try:
        born = stdnum_cpr.get_birth_date(digits)
    except InvalidComponent:
        raise ValidationError(
            _("The first six digits of the CPR number are not a real date."), code="cpr_date"
        ) from None
    if born > (today or timezone.localdate()):
        raise ValidationError(_("The CPR number gives a birth date in the future."), code="cpr_future")
    return digits


def birth_date(cpr):
    """The birth date of a parsed CPR number, with the century from the seventh digit."""
    return stdnum_cpr.get_birth_date(cpr)


def age_on(born, day):
    """Whole years from ``born`` to ``day``; a person born on 29 February ages on 1 March."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age(day, *, birth_date=None, birth_year=None, stated_age=None):
    """A citizen's age on ``day``, the one rule of the pages, summaries and exports: from the CPR
    birth date, else the youngest a stated birth year allows, else the age stated at the contact.
    ``reporting.people.Age`` is this rule inside the database (SQLite calls this function), held
    to it by ``tests/reporting/test_export_contacts.py``."""
    if birth_date is not None:
        return age_on(birth_date, day)
    if birth_year is not None:
        return day.year - birth_year - 1
    return stated_age


def format_cpr(cpr):
    """The standard presentation ``DDMMYY-SSSS``."""
    return f"{cpr[:6]}-{cpr[6:]}"


def mask_birth_date(born: datetime.date):
    """What a list shows instead of the number: the birth date part and ``xxxx``."""
    return f"{born:%d%m%y}-xxxx"


@lru_cache(maxsize=4)
def _fernet(keys):
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _current_fernet():
    return _fernet(tuple(settings.CPR_ENCRYPTION_KEYS))


def encrypt(cpr):
    return _current_fernet().encrypt(cpr.encode()).decode()


def decrypt(token):
    try:
        return _current_fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("CPR token cannot be decrypted with the configured keys") from None


def rotate(token):
    """Re-encrypt a token under the first (current) key; used when keys rotate."""
    return _current_fernet().rotate(token.encode()).decode()


def blind_index(cpr):
    """A keyed hash for exact look-up and uniqueness without decrypting any row."""
    return hmac.new(settings.CPR_INDEX_KEY.encode(), cpr.encode(), hashlib.sha256).hexdigest()
