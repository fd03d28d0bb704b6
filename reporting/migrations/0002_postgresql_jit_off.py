"""Turn PostgreSQL's JIT compilation off for the application's database.

The dashboard and the exports run a few dozen aggregate queries over a period's rows; each is
costed above ``jit_above_cost`` at a million contacts, and compiling it takes longer than
running it (the dashboard for a year: 16 s with JIT, 6 s without, see docs/performance.md).
The setting applies to new connections. A role that may not alter the database keeps the
server's default and is told so.
"""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)


def _set_jit(value):
    def operation(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        name = connection.ops.quote_name(connection.settings_dict["NAME"])
        statement = (
            f"ALTER DATABASE {name} SET jit = off" if value == "off" else f"ALTER DATABASE {name} RESET jit"
        )
        try:
            with transaction.atomic(using=connection.alias):
                with connection.cursor() as cursor:
                    cursor.execute(statement)
        except DatabaseError as error:
            logger.warning("could not change jit for the database: %s", error)

    return operation


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_initial")]

    operations = [migrations.RunPython(_set_jit("off"), _set_jit("default"))]
