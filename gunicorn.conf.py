"""gunicorn settings for newsblog, read from the environment (see README)."""

import multiprocessing
import os
import shutil
import tempfile

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS") or multiprocessing.cpu_count())
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
# A request that takes longer than this is stuck; the master replaces the worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak can never take the site down. Not too often: a cached
# page costs well under a millisecond, so 5,000 requests would restart a busy worker every few
# seconds, and each restart re-imports Django while the other workers take its load.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
# The app logs every request itself, as JSON with its id, user, duration and query count, and with
# tokens in URLs redacted (newsblog/logs.py); gunicorn's access line would repeat it unredacted.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Not preloaded: each worker opens its own database connections after the fork.
preload_app = False
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Prometheus (newsblog/metrics.py): each worker writes its numbers to files here, and a scrape of any
# worker adds them up. A fresh folder per master, emptied of the workers that are gone.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="newsblog-metrics-"))

# Imported in the master once the folder is set (prometheus_client picks its multiprocess mode on
# import, and forked workers inherit it), not inside `child_exit`: importing there while the master
# handled SIGTERM made shutdown end in a traceback.
from prometheus_client import multiprocess  # noqa: E402


def on_exit(server):
    shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)
