from django.conf import settings
from django.core.management.base import BaseCommand

from akuttilbud.services import purge_old_audit_events


class Command(BaseCommand):
    help = "Delete audit events older than AUDIT_RETENTION_DAYS (recording that it did)."

    def handle(self, *args, **options):
        event = purge_old_audit_events()
        self.stdout.write(
            f"Deleted {event.detail['count']} audit events older than {settings.AUDIT_RETENTION_DAYS} days"
        )
