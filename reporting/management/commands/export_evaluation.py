import datetime

from django.core.management.base import BaseCommand, CommandError

from reporting import exports, services
from reporting.periods import Period


def _date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Write a pseudonymised evaluation export as CSV (audited like a download)."

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, help=f"One of: {', '.join(exports.KINDS)}.")
        parser.add_argument("--start", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--end", required=True, help="Last day included, YYYY-MM-DD.")
        parser.add_argument("--dialect", default="standard", help=f"One of: {', '.join(exports.DIALECTS)}.")
        parser.add_argument("--output", help="File to write; standard output when left out.")

    def handle(self, *args, kind, start, end, dialect, output, **options):
        if kind not in exports.KINDS:
            raise CommandError(f"Unknown kind {kind!r}; choose one of: {', '.join(exports.KINDS)}.")
        if dialect not in exports.DIALECTS:
            raise CommandError(f"Unknown dialect {dialect!r}; choose one of: {', '.join(exports.DIALECTS)}.")
        first_day, last_day = _date(start), _date(end)
        if last_day < first_day:
            raise CommandError("--end must be on or after --start.")
        period = Period.inclusive(first_day, last_day)
        rows = services.record_export(kind=kind, period=period, dialect=dialect, via="command")
        chunks = exports.stream(kind, period, dialect)
        if output:
            try:
                with open(output, "w", encoding="utf-8", newline="") as file:
                    file.writelines(chunks)
            except OSError as error:
                raise CommandError(f"Cannot write {output}: {error.strerror}") from None
            self.stderr.write(f"{rows} rows written to {output}")
        else:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
