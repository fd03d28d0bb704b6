from django.db import migrations


def mark_every_day_stale(apps, schema_editor):
    apps.get_model("reporting", "SummaryDay").objects.update(summarised=None)


class Migration(migrations.Migration):
    """Walk-in waits now count incoming walk-ins only: every summarised day is counted again on
    the next figure read (or the nightly refresh)."""

    dependencies = [("reporting", "0004_pgcrypto_for_pseudonyms")]

    operations = [migrations.RunPython(mark_every_day_stale, migrations.RunPython.noop)]
