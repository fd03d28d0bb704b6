import random

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import import_string, module_has_submodule

from akuttilbud.models import Role, ServiceSettings, User

DEMO_USERS = [
    ("staff", Role.STAFF, "Sara", "Skovgaard", "vagt-demo-2026"),
    ("staff2", Role.STAFF, "Mads", "Holm", "vagt-demo-2026"),
    ("leader", Role.LEADER, "Lene", "Lund", "leder-demo-2026"),
    ("evaluator", Role.EVALUATOR, "Erik", "Eriksen", "evaluering-demo-2026"),
]
# Addresses on a domain reserved for examples: the reminder digest has someone to go to, and in
# development it is printed on the console.
DEMO_EMAIL_DOMAIN = "akuttilbud.example"


class Command(BaseCommand):
    help = "Create the demo users and realistic demo data. Safe to run again; refuses in production."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=82, help="Random seed for the demo data.")

    def handle(self, *args, seed, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo never runs with DJANGO_ENV=production.")
        rng = random.Random(seed)
        with transaction.atomic():
            users = self._users()
            ServiceSettings.load()
            # Each app that has demo data holds it in <app>/demo.py as seed(rng, users, stdout).
            for config in apps.get_app_configs():
                if config.name in {
                    "contacts",
                    "crisisplans",
                    "partners",
                    "reporting",
                    "telephony",
                } and module_has_submodule(config.module, "demo"):
                    import_string(f"{config.name}.demo.seed")(rng=rng, users=users, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo users (user name / password):"))
        for username, role, _first, _last, password in DEMO_USERS:
            self.stdout.write(f"  {username:<10} {password:<22} {Role(role).label}")

    def _users(self):
        users = {}
        for username, role, first_name, last_name, password in DEMO_USERS:
            user, _created = User.objects.get_or_create(
                username=username, defaults={"role": role, "first_name": first_name, "last_name": last_name}
            )
            # Reset each run so the printed passwords are always the working ones.
            user.set_password(password)
            user.role = role
            user.email = f"{username}@{DEMO_EMAIL_DOMAIN}"
            user.save()
            users[username] = user
        return users
