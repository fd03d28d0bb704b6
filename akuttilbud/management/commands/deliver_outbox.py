from django.core.management.base import BaseCommand

from akuttilbud import outbox


class Command(BaseCommand):
    help = "Send the e-mails that are due in the outbox and drop old sent ones (for cron, every minute)."

    def handle(self, *args, **options):
        outbox.purge()
        sent = outbox.deliver()
        self.stdout.write(f"Sent {sent} e-mail(s).")
