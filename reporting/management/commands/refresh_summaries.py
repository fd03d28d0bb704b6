from django.core.management.base import BaseCommand

from reporting import summaries


class Command(BaseCommand):
    help = "Count every day whose contacts changed (or were never counted) into the dashboard's summaries."

    def handle(self, *args, **options):
        days = summaries.refresh()
        self.stdout.write(f"{days} days counted.")
