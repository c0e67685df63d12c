"""Prometheus metrics: what an operator's monitoring reads, and only from where it is allowed."""

import pytest
from django.db import OperationalError

from tests.factories import make_article

pytestmark = pytest.mark.django_db


def scrape(client, **headers):
    return client.get("/metrics", **headers)


def value(text, name):
    """The sample's value for a metric without labels (or the sum over its labels)."""
    total = None
    for line in text.splitlines():
        if line.startswith(name) and not line.startswith("#") and line[len(name)] in " {":
            total = (total or 0) + float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_answer_the_monitoring_host(client):
    client.get(make_article().get_absolute_url())
    response = scrape(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert value(text, "django_http_requests_total_by_view_transport_method_total") >= 1
    assert value(text, "django_http_requests_latency_seconds_by_view_method_count") >= 1
    assert value(text, "newsblog_tasks_ready") == 0
    assert value(text, "newsblog_database_unavailable_total") is not None


@pytest.mark.parametrize(
    ("remote", "forwarded", "proxies"),
    [
        ("203.0.113.9", None, 0),  # straight from the internet
        ("127.0.0.1", "203.0.113.9", 1),  # through the site's own nginx: the reader's address counts
        ("127.0.0.1", "127.0.0.1, 203.0.113.9", 1),  # a forged entry in front changes nothing
    ],
)
def test_metrics_are_refused_to_everyone_else(client, settings, remote, forwarded, proxies):
    settings.NEWSBLOG_PROXY_COUNT = proxies
    headers = {"REMOTE_ADDR": remote}
    if forwarded:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    response = scrape(client, **headers)
    assert response.status_code == 403
    assert b"django_http" not in response.content


def test_the_allowed_addresses_are_the_operators_choice(client, settings):
    settings.NEWSBLOG_METRICS_ALLOW = ["10.20.0.0/16"]
    assert scrape(client, REMOTE_ADDR="10.20.3.4").status_code == 200
    assert scrape(client, REMOTE_ADDR="127.0.0.1").status_code == 403


def test_database_outages_are_counted(client, monkeypatch):
    article = make_article()
    before = value(scrape(client).content.decode(), "newsblog_database_unavailable_total")

    def refuse(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("django.db.models.query.QuerySet._fetch_all", refuse)
    assert client.get(article.get_absolute_url()).status_code == 503
    monkeypatch.undo()
    assert value(scrape(client).content.decode(), "newsblog_database_unavailable_total") == before + 1


@pytest.mark.django_db(transaction=True)
def test_the_task_queue_depth_is_measured(client, settings):
    from accounts.tasks import send_mail_later

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    send_mail_later(to=["reader@example.com"], subject="Queued", body="Waiting for the worker")
    text = scrape(client).content.decode()
    assert value(text, "newsblog_tasks_ready") == 1
    assert value(text, "newsblog_tasks_oldest_ready_seconds") >= 0


def test_page_cache_hits_and_misses_are_counted(client):
    url = make_article().get_absolute_url()
    before = scrape(client).content.decode()
    client.get(url)  # rendered and stored
    etag = client.get(url)["ETag"]  # from the cache
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    after = scrape(client).content.decode()

    def count(text, result):
        name = f'newsblog_page_cache_total{{audience="anonymous",result="{result}"}}'
        return next((float(line.split()[-1]) for line in text.splitlines() if line.startswith(name)), 0)

    assert [count(after, r) - count(before, r) for r in ("miss", "hit", "not_modified")] == [1, 1, 1]
