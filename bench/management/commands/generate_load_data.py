import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bench.load_data import generate


class Command(BaseCommand):
    help = "Generate realistic data at scale for benchmarks (bulk inserts). Refuses in production."

    def add_arguments(self, parser):
        parser.add_argument("--contacts", type=int, required=True, help="Number of contacts to create.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed.")

    def handle(self, *args, contacts, seed, **options):
        if settings.PRODUCTION:
            raise CommandError("generate_load_data never runs with DJANGO_ENV=production.")
        if contacts < 1:
            raise CommandError("--contacts must be at least 1.")
        started = time.perf_counter()
        generate(contacts=contacts, seed=seed, stdout=self.stdout)
        self.stdout.write(f"Done in {time.perf_counter() - started:.1f} s.")
