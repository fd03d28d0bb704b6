"""The project's Celery app for the killed-worker test (``celery -A tests.fault_worker worker``).

Redis hands an unacknowledged message to another worker only after the visibility timeout (an
hour by default); the test shortens it to seconds and lets a fresh worker look at once.
"""

from django.conf import settings

from akuttilbud.celery import app

app.conf.broker_transport_options = {
    **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": 5,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
