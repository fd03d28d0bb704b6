from django.core.management.base import BaseCommand
from django.db import transaction

from akuttilbud import cpr
from contacts.models import Person


class Command(BaseCommand):
    help = "Re-encrypt every stored CPR number with the first key in CPR_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        rotated = 0
        with transaction.atomic():
            for person in (
                Person.objects.exclude(cpr_encrypted="").only("pk", "cpr_encrypted").select_for_update()
            ):
                person.cpr_encrypted = cpr.rotate(person.cpr_encrypted)
                person.save(update_fields=["cpr_encrypted"])
                rotated += 1
        self.stdout.write(f"Re-encrypted {rotated} CPR numbers.")
