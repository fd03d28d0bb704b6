"""The audit log's guards inside PostgreSQL, kept in one place.

The app connects as a role that does not own the tables (see ``bin/database-roles.sql``), so it
can neither drop nor disable these triggers nor replace the functions. The tables' owner runs
the migrations, and so writes the retention into the purge function from the settings
``migrate`` runs with: the app's own environment cannot choose what the purge deletes.
"""

from django.conf import settings

# Refuses every UPDATE, and every DELETE not made by the tables' owner. The owner deletes only
# through ``akuttilbud_purge_audit_events`` (SECURITY DEFINER, so it runs as the owner); a
# session setting would not do, since any session can set one.
APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION akuttilbud_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_user = (
        SELECT pg_get_userbyid(relowner) FROM pg_catalog.pg_class WHERE oid = TG_RELID
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""

PERSON_TRIGGER = """
CREATE TRIGGER akuttilbud_auditeventperson_append_only
BEFORE UPDATE OR DELETE ON akuttilbud_auditeventperson
FOR EACH ROW EXECUTE FUNCTION akuttilbud_auditevent_append_only()
"""

# Deletes the oldest events, a prefix of the chain in id order, up to the first event younger
# than the retention, and keeps the newest event so the purge's own event links to the chain.
# ``now()`` is the database's clock and the retention is written into the function: the caller
# chooses nothing. The caller records the purge (``AUDIT_PURGE``) with what this returns, since
# only the app holds the key that chains it.
PURGE_FUNCTION = """
CREATE OR REPLACE FUNCTION akuttilbud_purge_audit_events(
    OUT deleted bigint, OUT last_deleted_id bigint, OUT last_deleted_hash text, OUT cutoff timestamptz
) AS $$
DECLARE
    first_kept bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(8204211);
    cutoff := now() - make_interval(days => %(retention_days)s);
    SELECT min(id) INTO first_kept FROM akuttilbud_auditevent WHERE at >= cutoff;
    IF first_kept IS NULL THEN
        SELECT max(id) INTO first_kept FROM akuttilbud_auditevent;
    END IF;
    SELECT id, hash INTO last_deleted_id, last_deleted_hash
        FROM akuttilbud_auditevent WHERE id < first_kept ORDER BY id DESC LIMIT 1;
    DELETE FROM akuttilbud_auditeventperson WHERE event_id < first_kept;
    DELETE FROM akuttilbud_auditevent WHERE id < first_kept;
    GET DIAGNOSTICS deleted = ROW_COUNT;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
"""


def install_purge_function(connection):
    """(Re)write the purge function with ``AUDIT_RETENTION_DAYS`` on a PostgreSQL connection
    (``database.install_audit_purge``)."""
    days = int(settings.AUDIT_RETENTION_DAYS)
    if days < 1:
        raise ValueError("AUDIT_RETENTION_DAYS must be at least 1")
    with connection.cursor() as cursor:
        cursor.execute(PURGE_FUNCTION % {"retention_days": days})


def purge(connection):
    """Run the purge function; returns ``(deleted, last_deleted_id, last_deleted_hash, cutoff)``."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM akuttilbud_purge_audit_events()")
        return cursor.fetchone()
