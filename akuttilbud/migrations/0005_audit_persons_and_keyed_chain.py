"""Every person an audit event disclosed, and the append-only guard that holds against the
app's own database login.

PostgreSQL: the trigger now lets a DELETE through only when it runs as the tables' owner, which
the app's role is not (bin/database-roles.sql); the retention purge is the owner's SECURITY
DEFINER function ``akuttilbud_purge_audit_events``, (re)written by every ``migrate``
(akuttilbud/audit_database.py). The session settings the purge used to set are gone: any session
could set them. The event's persons get the same guard.

Existing events get their one person as a link. Their hashes were unkeyed and do not cover the
links, so ``manage.py rechain_audit_log`` must run once after this migration (README).
"""

import django.db.models.deletion
from django.db import migrations, models

from akuttilbud.audit_database import APPEND_ONLY_FUNCTION, PERSON_TRIGGER

COPY_PERSONS = """
INSERT INTO akuttilbud_auditeventperson (event_id, person_id)
SELECT id, person_id FROM akuttilbud_auditevent WHERE person_id IS NOT NULL
"""

SQLITE_PERSON_TRIGGER = """
CREATE TRIGGER akuttilbud_auditeventperson_no_update
BEFORE UPDATE ON akuttilbud_auditeventperson
BEGIN
    SELECT RAISE(ABORT, 'akuttilbud_auditeventperson is append-only: UPDATE refused');
END
"""

FORWARD = {
    "postgresql": [COPY_PERSONS, APPEND_ONLY_FUNCTION, PERSON_TRIGGER],
    "sqlite": [COPY_PERSONS, SQLITE_PERSON_TRIGGER],
}


def forward(apps, schema_editor):
    # params=None: the PL/pgSQL body holds a literal % that must not be read as a placeholder.
    for statement in FORWARD.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('akuttilbud', '0004_form_submission'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('login', 'Logged in'), ('logout', 'Logged out'), ('login_failed', 'Failed login'), ('locked_out', 'Locked out'), ('view', 'Viewed'), ('search', 'Searched'), ('cpr_reveal', 'Revealed CPR'), ('create', 'Created'), ('update', 'Changed'), ('delete', 'Deleted'), ('merge', 'Merged'), ('export', 'Exported'), ('billing_statement', 'Billing statement'), ('linkage_key', 'Register-linkage key'), ('access_report', 'Right-of-access report'), ('retention', 'Retention applied'), ('audit_purge', 'Old audit events deleted'), ('audit_rechain', 'Audit log re-chained under a new key'), ('otp_failed', 'Wrong two-factor code'), ('key_rotation', 'CPR keys rotated'), ('enrolment_code', 'Two-factor enrolment code issued'), ('recovery_codes', 'Two-factor recovery codes')], max_length=32, verbose_name='action'),
        ),
        migrations.CreateModel(
            name='AuditEventPerson',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('person_id', models.BigIntegerField(db_index=True, verbose_name='person')),
                ('event', models.ForeignKey(on_delete=django.db.models.deletion.DO_NOTHING, related_name='person_links', to='akuttilbud.auditevent')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('event', 'person_id'), name='audit_event_person_once')],
            },
        ),
        migrations.RunPython(forward, elidable=False),
    ]
