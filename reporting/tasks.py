from celery import shared_task

from . import summaries


@shared_task
def refresh_summaries_task():
    return summaries.refresh()
