from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from contacts.retention import apply_retention


class Command(BaseCommand):
    help = (
        "Clear CPR, names, phone and free text of persons with no activity for PERSON_RETENTION_YEARS. "
        "Output holds person ids and field names only."
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
