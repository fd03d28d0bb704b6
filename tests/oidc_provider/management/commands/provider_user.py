from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create or change a person at the test provider, with exactly the given groups."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", default="provider-password-1")
        parser.add_argument("--name", default="")
        parser.add_argument("--groups", default="")

    def handle(self, username, password, name, groups, **options):
        user, created = User.objects.get_or_create(username=username)
        first, _, last = name.partition(" ")
        user.first_name, user.last_name, user.email = first, last, f"{username}@kommune.example"
        if created:
            # Only then: a new password hash would end the person's session at the provider.
            user.set_password(password)
        user.save()
        user.groups.set(Group.objects.get_or_create(name=group)[0] for group in groups.split(",") if group)
