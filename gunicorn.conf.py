"""Production serving: `gunicorn` (this file is picked up from the working directory).

Sync workers: on 2 cores, 2 sync workers beat 4 gthread workers on throughput and p99
(ENVIRONMENT.md). With REDIS_URL jobs go to `flask --app app worker`, run beside this; without
it, each worker process runs due jobs in a thread (safe: execution locks the outbox row, so two
processes never run one job twice).
"""

import os

wsgi_app = "app:create_app()"
bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Our JSON request logs carry the request id and tenant; gunicorn's access log would repeat them.
accesslog = None
