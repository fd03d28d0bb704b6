from django.conf import settings
from django.core.management.base import BaseCommand

from akuttilbud.audit import write_checkpoint


class Command(BaseCommand):
    help = "Append the audit chain's head, signed, to AUDIT_CHECKPOINT_FILE (beat does it every 10 minutes)."

    def handle(self, *args, **options):
        checkpoint = write_checkpoint()
        if checkpoint is None:
            self.stdout.write("The audit log is empty; nothing to checkpoint")
        else:
            self.stdout.write(
                f"Checkpoint of event {checkpoint['id']} appended to {settings.AUDIT_CHECKPOINT_FILE}"
            )
