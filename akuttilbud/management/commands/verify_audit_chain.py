from django.core.management.base import BaseCommand, CommandError

from akuttilbud.audit import verify_chain


class Command(BaseCommand):
    help = "Check that no audit event was edited or removed outside the retention purge."

    def handle(self, *args, **options):
        count, broken_id, reason = verify_chain()
        if broken_id is not None:
            raise CommandError(
                f"Audit chain broken at event id {broken_id}: {reason} ({count} events OK before it)"
            )
        self.stdout.write(f"OK: {count} events")
