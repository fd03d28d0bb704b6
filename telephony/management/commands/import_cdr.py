"""Import a switchboard's call-detail records (CSV) for the calls its live events missed."""

from django.core.management.base import BaseCommand, CommandError

from telephony import cdr


class Command(BaseCommand):
    help = "Import call-detail records (CSV): calls the live events missed are added, others left alone."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--mapping", required=True, choices=sorted(cdr.MAPPINGS))
        parser.add_argument("--line", default="akut", help="The line the records' calls came in on.")

    def handle(self, *args, **options):
        mapping = cdr.MAPPINGS[options["mapping"]]
        try:
            with open(options["file"], newline="", encoding="utf-8-sig") as file:
                counts = cdr.import_records(cdr.read(file, mapping), mapping, line=options["line"])
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise CommandError("The file is not UTF-8 text.") from None
        self.stdout.write(
            "{added} calls added, {completed} completed, {unchanged} already recorded, "
            "{skipped} records skipped.".format(**counts)
        )
