import pytest
from django.core.management import CommandError, call_command

from akuttilbud.models import Role
from tests.factories import UserFactory


@pytest.mark.django_db
def test_screenshots_ask_for_the_demo_data_when_it_is_missing(tmp_path):
    UserFactory(username="staff", role=Role.STAFF)
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("screenshots", output=str(tmp_path))
    assert list(tmp_path.iterdir()) == []
