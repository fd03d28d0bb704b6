"""Make the audit table append-only in the database itself, not only in the app.

PostgreSQL: a trigger refuses every UPDATE, and every DELETE except the retention purge's.
The purge marks its own transaction with ``set_config(..., true)`` (transaction-local, so the
mark cannot leak to other requests on a pooled connection) and names its cut-off; the trigger
then lets through only rows older than that cut-off. This keeps the purge an ordinary query,
with no SECURITY DEFINER function or second database role to manage. It guards against the app
(a bug, the admin, a stray queryset) rewriting history; a database owner can still drop the
trigger, which is what the hash chain (``verify_audit_chain``) is there to reveal.

SQLite (the embedded single-PC setup): a trigger refuses UPDATE only. SQLite has no session
variables, and Django empties tables with DELETE when tests reset the database, so refusing
DELETE would break that; a removed row still breaks the hash chain. A later migration that makes
SQLite rebuild this table drops the trigger with the old table and must create it again.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    """
CREATE OR REPLACE FUNCTION akuttilbud_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('akuttilbud.audit_purge', true) = 'on'
       AND OLD.at < NULLIF(current_setting('akuttilbud.audit_purge_before', true), '')::timestamptz
    THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'akuttilbud_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
""",
    """
CREATE TRIGGER akuttilbud_auditevent_append_only
BEFORE UPDATE OR DELETE ON akuttilbud_auditevent
FOR EACH ROW EXECUTE FUNCTION akuttilbud_auditevent_append_only()
""",
]

POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS akuttilbud_auditevent_append_only ON akuttilbud_auditevent",
    "DROP FUNCTION IF EXISTS akuttilbud_auditevent_append_only()",
]

SQLITE_FORWARD = [
    """
CREATE TRIGGER akuttilbud_auditevent_no_update
BEFORE UPDATE ON akuttilbud_auditevent
BEGIN
    SELECT RAISE(ABORT, 'akuttilbud_auditevent is append-only: UPDATE refused');
END
""",
]

SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS akuttilbud_auditevent_no_update"]


FORWARD = {"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}
BACKWARD = {"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}


def _run(statements_by_vendor, schema_editor):
    # params=None: the PL/pgSQL body holds a literal % that must not be read as a placeholder.
    for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def forward(apps, schema_editor):
    _run(FORWARD, schema_editor)


def backward(apps, schema_editor):
    _run(BACKWARD, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("akuttilbud", "0002_load_municipalities")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
