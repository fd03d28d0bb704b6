"""gunicorn's settings, the same for the image, compose and the native stack (deploy/stack.py).

Threads, not only processes: each open "Linjen nu" view holds a server-sent-events stream for up
to 25 seconds (telephony/live.py), and with threads it holds a thread, not a whole process, so
desk requests are still served while the views are open. 3 processes × 16 threads keeps the
database connections (one per thread) well under PostgreSQL's default 100.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
# Longer than a live view's stream, so no stream is cut off as a hung request.
timeout = 60
accesslog = "-"
