from django.db import migrations

# The desk's "Who" look-up and the person search find a name or nickname by any part of it
# (``icontains``, which PostgreSQL runs as ``UPPER(name::text) LIKE UPPER('%…%')``). Without
# these an every-key look-up reads all persons; trigram indexes on the same expression let
# PostgreSQL read only those that can match. SQLite has no such index and stays as it was.
TRIGRAM_SQL = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS person_name_trgm ON contacts_person USING gin (UPPER(name::text) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS person_nickname_trgm ON contacts_person USING gin (UPPER(nickname::text) gin_trgm_ops);
"""


def add_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGRAM_SQL)


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS person_name_trgm; DROP INDEX IF EXISTS person_nickname_trgm;")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0011_contact_and_person_edit_version")]

    operations = [migrations.RunPython(add_trigram_indexes, drop_trigram_indexes)]
