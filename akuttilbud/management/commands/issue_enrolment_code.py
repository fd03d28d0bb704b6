from django.core.management.base import BaseCommand, CommandError

from akuttilbud.models import User
from akuttilbud.otp import issue_enrolment_code


class Command(BaseCommand):
    help = (
        "Print a one-time two-factor enrolment code for USERNAME (audited). For an administrator: "
        "the first leader, or a leader who lost their phone and recovery codes."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user is called {username!r}.")
        code = issue_enrolment_code(user=user, via="command")
        self.stdout.write(code)
