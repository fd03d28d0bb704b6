import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from contacts.models import Person
from tests.factories import PersonFactory


@pytest.mark.django_db
def test_rotation_re_encrypts_every_cpr_so_the_old_key_can_be_dropped(settings):
    person = PersonFactory(cpr="0101701235")
    old_token = person.cpr_encrypted
    old_key = settings.CPR_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.CPR_ENCRYPTION_KEYS = [new_key, old_key]

    call_command("rotate_cpr_keys")

    person.refresh_from_db()
    assert person.cpr_encrypted != old_token
    settings.CPR_ENCRYPTION_KEYS = [new_key]
    assert person.decrypted_cpr() == "0101701235"
    assert Person.objects.with_cpr_index(person.cpr_index).get() == person
