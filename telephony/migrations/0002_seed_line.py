from django.db import migrations


def seed_line(apps, schema_editor):
    """The crisis line itself, so a switchboard can report calls before anything is set up."""
    Line = apps.get_model("telephony", "Line")
    Line.objects.get_or_create(code="akut", defaults={"name": "Akuttelefonen"})


class Migration(migrations.Migration):
    dependencies = [("telephony", "0001_initial")]

    operations = [migrations.RunPython(seed_line, migrations.RunPython.noop)]
