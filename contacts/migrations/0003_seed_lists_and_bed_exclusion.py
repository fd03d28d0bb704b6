from django.db import migrations

REASONS = [
    "Ensomhed", "Angst", "Selvmordstanker", "Selvskade", "Relationer", "Bolig", "Rusmidler",
    "Økonomi", "Sorg og tab", "Vold", "Psykiske symptomer", "Andet",
]

OUTCOMES = [
    ("calmed", "Beroliget"),
    ("advice", "Rådgivning"),
    ("invited_in", "Inviteret til at komme ind"),
    ("overnight_stay", "Overnatning"),
    ("crisis_plan", "Kriseplan udarbejdet"),
    ("referred", "Henvist"),
    ("emergency_services", "Akuthjælp tilkaldt (112)"),
    ("call_back_agreed", "Aftalt at ringe tilbage"),
]

# A bed never holds two stays at once; an open stay (no check-out) runs on indefinitely.
EXCLUSION_SQL = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE contacts_stay ADD CONSTRAINT stay_bed_no_overlap EXCLUDE USING gist (
    bed WITH =,
    tstzrange(check_in, COALESCE(check_out, 'infinity'::timestamptz), '[)') WITH &&
);
"""


def seed_lists(apps, schema_editor):
    Reason = apps.get_model("contacts", "Reason")
    Outcome = apps.get_model("contacts", "Outcome")
    for position, name in enumerate(REASONS):
        Reason.objects.get_or_create(name=name, defaults={"position": position})
    for position, (code, name) in enumerate(OUTCOMES):
        Outcome.objects.get_or_create(code=code, defaults={"name": name, "position": position})


def add_exclusion(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(EXCLUSION_SQL)


def drop_exclusion(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE contacts_stay DROP CONSTRAINT IF EXISTS stay_bed_no_overlap")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0002_initial")]

    operations = [
        migrations.RunPython(seed_lists, migrations.RunPython.noop),
        migrations.RunPython(add_exclusion, drop_exclusion),
    ]
