import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.utils import timezone

from akuttilbud.models import AuditAction, AuditEvent
from contacts.models import Person
from telephony.models import CallSession
from tests.factories import PersonFactory
from tests.telephony.factories import LineFactory

NUMBER = "+4520304050"


@pytest.mark.django_db
def test_rotation_re_encrypts_every_cpr_and_phone_number_so_the_old_key_can_be_dropped(settings):
    person = PersonFactory(cpr="0101701235")
    call = CallSession(call_id="rotation-1", line=LineFactory(), ringing_at=timezone.now())
    call.set_phone(NUMBER)
    call.save()
    old_tokens = (person.cpr_encrypted, call.phone_encrypted)
    old_key = settings.CPR_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.CPR_ENCRYPTION_KEYS = [new_key, old_key]

    call_command("rotate_cpr_keys")

    person.refresh_from_db()
    call.refresh_from_db()
    assert (person.cpr_encrypted, call.phone_encrypted) != old_tokens
    settings.CPR_ENCRYPTION_KEYS = [new_key]
    assert person.decrypted_cpr() == "0101701235"
    assert call.decrypted_phone() == NUMBER
    assert Person.objects.with_cpr_index(person.cpr_index).get() == person


@pytest.mark.django_db
def test_rotation_is_audited_with_counts_only(settings):
    PersonFactory(cpr="0101701235")
    PersonFactory()
    settings.CPR_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.CPR_ENCRYPTION_KEYS]
    call_command("rotate_cpr_keys")
    event = AuditEvent.objects.get(action=AuditAction.KEY_ROTATION)
    assert event.username == "manage.py rotate_cpr_keys"
    assert event.detail["rotated"] == {
        "contacts.person.cpr_encrypted": 1,
        "contacts.person.phone_encrypted": 0,
        "contacts.callback.phone_encrypted": 0,
        "telephony.callsession.phone_encrypted": 0,
    }
