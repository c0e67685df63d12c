"""Prometheus metrics at /metrics, for the addresses an operator allows and nobody else.

django-prometheus measures requests (counts and latencies per view, responses per status); this
module adds what only the site knows: requests answered with a 503 because the database did not
answer, and the task queue. Under gunicorn every worker writes its numbers to files in
PROMETHEUS_MULTIPROC_DIR (gunicorn.conf.py sets it) and a scrape adds them up, so one scrape of any
worker sees the whole host.
"""

import ipaddress
import os

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from newsblog.security import client_ip

DATABASE_UNAVAILABLE = Counter(
    "newsblog_database_unavailable_total", "Requests answered 503 because the database did not answer"
)


class TaskQueueCollector:
    """Read at scrape time: how many tasks wait, have failed, and how long the oldest has waited."""

    def collect(self):
        from django_tasks_db.models import DBTaskResult

        ready = DBTaskResult.objects.ready()
        waiting = GaugeMetricFamily("newsblog_tasks_ready", "Tasks ready to run, not yet picked up")
        waiting.add_metric([], ready.count())
        failed = GaugeMetricFamily("newsblog_tasks_failed", "Task results kept as failed")
        failed.add_metric([], DBTaskResult.objects.filter(status="FAILED").count())
        oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
        age = GaugeMetricFamily("newsblog_tasks_oldest_ready_seconds", "Age of the oldest ready task")
        age.add_metric([], (timezone.now() - oldest).total_seconds() if oldest else 0)
        return [waiting, failed, age]


def allowed(request):
    try:
        address = ipaddress.ip_address(client_ip(request) or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network) for network in settings.NEWSBLOG_METRICS_ALLOW)


@never_cache
@require_GET
def metrics(request):
    if not allowed(request):
        raise PermissionDenied("Metrics are only for the operator's monitoring addresses.")
    registry = REGISTRY
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    tasks = CollectorRegistry()  # per scrape, never in the global registry
    tasks.register(TaskQueueCollector())
    return HttpResponse(generate_latest(registry) + generate_latest(tasks), content_type=CONTENT_TYPE_LATEST)
