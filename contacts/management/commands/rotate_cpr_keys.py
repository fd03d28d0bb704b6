from django.core.management.base import BaseCommand

from akuttilbud.services import rotate_encryption_keys


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored CPR and phone number with the first key in CPR_ENCRYPTION_KEYS, "
        "so the keys after it can be removed (audited)."
    )

    def handle(self, *args, **options):
        counts = rotate_encryption_keys()
        for label, count in counts.items():
            self.stdout.write(f"{label}: re-encrypted {count}")
