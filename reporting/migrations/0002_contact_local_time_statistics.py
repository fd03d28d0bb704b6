"""Extended statistics on the local-time buckets the dashboard groups contacts by (PostgreSQL).

Without them the planner cannot tell how many distinct weekday × hour or month buckets a year of
contacts falls into, assumes one per row, and sorts every row (spilling to disk) instead of
hashing into 168 or 12 groups: the heatmap of a year at a million contacts took 0.93 s, with the
statistics 0.35 s. The expressions are the ones Django writes for ``ExtractIsoWeekDay``,
``ExtractHour`` and ``TruncMonth`` with the Europe/Copenhagen zone.
"""

from django.db import migrations

STATISTICS = {
    "contact_local_weekday_hour": (
        "(EXTRACT(ISODOW FROM started_at AT TIME ZONE 'Europe/Copenhagen')), "
        "(EXTRACT(HOUR FROM started_at AT TIME ZONE 'Europe/Copenhagen'))"
    ),
    "contact_local_month": "(DATE_TRUNC('month', started_at AT TIME ZONE 'Europe/Copenhagen'))",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expressions in STATISTICS.items():
        schema_editor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {name} ON {expressions} FROM contacts_contact"
        )
    schema_editor.execute("ANALYZE contacts_contact")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in STATISTICS:
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_initial"), ("contacts", "0005_person_timeline_index")]

    operations = [migrations.RunPython(create, drop)]
