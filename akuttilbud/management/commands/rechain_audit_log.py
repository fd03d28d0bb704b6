import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from akuttilbud.audit import write_checkpoint
from akuttilbud.services import rechain_audit_log


class Command(BaseCommand):
    help = (
        "Check the audit chain as written (unkeyed, or under the key in AUDIT_PREVIOUS_HMAC_KEY "
        "with --from-previous-key) and rewrite it under AUDIT_HMAC_KEY. Run once after upgrading "
        "to the keyed chain, or after changing the key, with the owner's database login."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from-previous-key",
            action="store_true",
            help="The chain was written under the key in AUDIT_PREVIOUS_HMAC_KEY (never on the command line).",
        )

    def handle(self, *args, from_previous_key, **options):
        previous_key = os.environ.get("AUDIT_PREVIOUS_HMAC_KEY") if from_previous_key else None
        if from_previous_key and not previous_key:
            raise CommandError("Set AUDIT_PREVIOUS_HMAC_KEY to the key the chain was written with.")
        try:
            event = rechain_audit_log(previous_key=previous_key)
        except ValueError as error:
            raise CommandError(str(error)) from error
        # The old checkpoints name the old hashes: keep them beside, and start the file again.
        path = settings.AUDIT_CHECKPOINT_FILE
        if os.path.exists(path):
            os.rename(path, f"{path}.before-rechain-{timezone.now():%Y%m%dT%H%M%S}")
        write_checkpoint()
        self.stdout.write(f"Re-chained {event.detail['count']} audit events under the current key")
