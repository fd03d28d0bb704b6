from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from contacts.retention import apply_retention


class Command(BaseCommand):
    help = (
        "Clear CPR, names, phone and free text of persons with no activity for PERSON_RETENTION_YEARS, "
        "and callers' numbers and their blind indexes past the phone-line settings' retention. "
        "Output holds person ids, field names and counts only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would change; change nothing.")
        parser.add_argument("--years", type=int, default=settings.PERSON_RETENTION_YEARS)

    def handle(self, *args, dry_run, years, **options):
        changes = apply_retention(now=timezone.now(), dry_run=dry_run, years=years)
        for change in changes:
            rows = ", ".join(
                f"{label}: {count}" for label, count in {**change.cleared, **change.deleted}.items()
            )
            deleted = ", ".join(change.deleted)
            self.stdout.write(
                f"person {change.person_id}: fields {', '.join(change.person_fields) or '-'}; "
                f"rows {rows or '-'}" + (f"; deleted {deleted}" if deleted else "")
            )
        verb = "Would clear" if dry_run else "Cleared"
        self.stdout.write(f"{verb} {len(changes)} persons inactive for {years} years")
        if apps.is_installed("telephony"):
            # Imported here: contacts does not otherwise depend on the phone line, which uses it.
            from telephony.retention import apply_number_retention

            numbers = apply_number_retention(now=timezone.now(), dry_run=dry_run)
            self.stdout.write(
                f"{verb} callers' numbers of {numbers.call_numbers} calls and {numbers.callback_numbers} "
                f"call-backs, blind indexes of {numbers.call_indexes} calls and "
                f"{numbers.callback_indexes} call-backs"
            )
