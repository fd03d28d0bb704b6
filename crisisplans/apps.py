from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrisisPlansConfig(AppConfig):
    name = "crisisplans"
    verbose_name = _("Crisis plans")
