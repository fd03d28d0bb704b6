import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from akuttilbud.models import Municipality
from partners import billing
from partners.forms import parse_month


class Command(BaseCommand):
    help = (
        "Write the inter-municipal billing statement of a month as CSV (to stdout or --output). "
        "It lists CPR numbers; producing it is audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, help="Municipality code, e.g. 0173.")
        parser.add_argument("--month", required=True, help="The month, written YYYY-MM.")
        parser.add_argument("--output", help="File to write; stdout when left out.")

    def handle(self, *args, municipality, month, output=None, **options):
        code = municipality.strip()
        if not code.isdigit() or len(code) > 4:
            raise CommandError(f"--municipality must be a municipality code of up to 4 digits, not {code!r}.")
        found = Municipality.objects.filter(code=code.zfill(4)).first()
        if found is None:
            raise CommandError(f"No municipality has the code {code.zfill(4)}.")
        try:
            first_day = parse_month(month)
        except ValueError:
            raise CommandError(f"--month must be written YYYY-MM (e.g. 2026-10), not {month!r}.") from None
        try:
            statement = billing.build_statement(municipality=found, month=first_day)
        except billing.NoAgreement:
            raise CommandError(
                f"{found} has no inter-municipal agreement in force in {first_day:%Y-%m}; "
                "there is nothing to bill."
            ) from None
        text = billing.statement_csv(statement)
        billing.audit_statement(statement, route="command")
        if not output:
            self.stdout.write(text, ending="")
            return
        # The file holds CPR numbers: readable by its owner only.
        descriptor = os.open(Path(output), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        self.stderr.write(
            f"Wrote {len(statement.rows)} rows for {found} {statement.month_label} to {output}."
        )
