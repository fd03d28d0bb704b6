from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .models import ServiceSettings


def service(request):
    return {
        "service_settings": SimpleLazyObject(ServiceSettings.load),
        "idle_timeout_minutes": settings.SESSION_IDLE_TIMEOUT_MINUTES,
    }
