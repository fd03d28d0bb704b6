from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .middleware import DRAFTS_SAVED_KEY
from .models import ServiceSettings


def service(request):
    return {
        "service_settings": SimpleLazyObject(ServiceSettings.load),
        "idle_timeout_minutes": settings.SESSION_IDLE_TIMEOUT_MINUTES,
        # Called only where base.html renders it: the page that follows a save takes the names.
        "saved_drafts": lambda: " ".join(request.session.pop(DRAFTS_SAVED_KEY, [])),
    }
