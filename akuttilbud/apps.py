from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from . import database


def _install_purge_function(sender, using, **kwargs):
    from django.db import connections

    database.install_audit_purge(connections[using])


class CoreConfig(AppConfig):
    name = "akuttilbud"
    verbose_name = _("Core")

    def ready(self):
        from . import signals  # noqa: F401  (connects the login audit receivers)

        # After every ``migrate`` (run by the tables' owner), so the purge function always holds
        # the retention of the settings the deployment migrated with.
        post_migrate.connect(_install_purge_function, sender=self)
        connection_created.connect(database.register_functions)
