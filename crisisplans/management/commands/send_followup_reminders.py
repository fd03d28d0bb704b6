import zoneinfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from crisisplans.services import send_due_followup_reminders


class Command(BaseCommand):
    help = "Remind staff of follow-ups that are due and not yet reminded (for cron). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            help="Run as if it were this time (ISO 8601, e.g. 2026-03-07T14:00; without an offset: Copenhagen time).",
        )

    def handle(self, *args, now=None, **options):
        moment = self._parse(now) if now else timezone.now()
        reminded = send_due_followup_reminders(moment)
        self.stdout.write(f"Reminded {reminded} follow-up(s).")

    def _parse(self, value):
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
        if moment is None:
            raise CommandError(
                f"--now must be a date and time in ISO 8601, like 2026-03-07T14:00; got {value!r}."
            )
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, zoneinfo.ZoneInfo(settings.TIME_ZONE))
        return moment
