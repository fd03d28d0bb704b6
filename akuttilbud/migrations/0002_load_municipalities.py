import csv
from pathlib import Path

from django.db import migrations

CSV_PATH = Path(__file__).resolve().parent.parent / "data" / "municipalities.csv"


def load(apps, schema_editor):
    Municipality = apps.get_model("akuttilbud", "Municipality")
    with CSV_PATH.open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            Municipality.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"], "region_code": row["region_code"]}
            )


class Migration(migrations.Migration):
    dependencies = [("akuttilbud", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
