"""The database hangs under a running gunicorn (its processes stopped, or a table locked): readers
get a 503 within seconds, cached pages and static files keep coming, and no worker is killed for a
timeout. Then the database answers again and the site is back by itself."""

import re
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from tests.hardening.servers import REDIS_URL, Gunicorn, emptied_redis, production_env, seed

# What the issue asks: a 503 within 5 s for anything that needs the database, probes within 2 s
# (plus scheduling slack on a loaded 2-core machine), cached pages and static files at once.
OUTAGE_ANSWER_SECONDS = 5
PROBE_SECONDS = 3  # at most 0.5 s health check + 2 s connect timeout
CACHED_SECONDS = 1


@pytest.fixture
def site(fresh_database, collected_static):
    client = emptied_redis(REDIS_URL)
    env = production_env(fresh_database, REDIS_URL=REDIS_URL)
    data = seed(env)
    server = Gunicorn(env, workers=2).start()
    yield server, data, fresh_database
    server.stop()
    client.flushdb()


def timed(server, path, timeout=OUTAGE_ANSWER_SECONDS + 5):
    started = time.monotonic()
    status, headers, body = server.request("GET", path, timeout=timeout)
    return status, headers, body, time.monotonic() - started


def warm_up(server, data):
    """Cache the home and article pages (anonymous copies live in Redis) on both workers, and find
    a static file."""
    pages = ["/", f"/articles/{data['slug']}/"]
    for _ in range(4):
        for path in pages:
            assert server.request("GET", path)[0] == 200
    home = server.request("GET", "/")[2].decode()
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', home).group(1)
    return pages, stylesheet


def uncached_paths(data, tag):
    """Pages no one has asked for yet: each needs the database."""
    return [f"/search/?q={tag}", f"/authors/{data['author']}/?page=1&{tag}", f"/feed/atom/?{tag}"]


def assert_served_without_the_database(server, pages, stylesheet):
    for path in [*pages, stylesheet, "/livez"]:
        status, _, _, elapsed = timed(server, path)
        assert status == 200, path
        assert elapsed < CACHED_SECONDS, (path, elapsed)


def assert_503_in_time(server, paths):
    # Two at a time, so both workers meet the fault, each with the connection it already holds.
    with ThreadPoolExecutor(2) as pool:
        answers = pool.map(lambda path: timed(server, path), paths)
        for path, (status, headers, body, elapsed) in zip(paths, answers, strict=True):
            assert status == 503, (path, status, body[:300])
            assert (headers["Retry-After"] or "").isdigit(), path
            assert elapsed < OUTAGE_ANSWER_SECONDS, (path, elapsed)
            assert b"Traceback" not in body


def test_a_frozen_database_costs_readers_seconds_not_workers(site, pg_cluster):
    server, data, _ = site
    pages, stylesheet = warm_up(server, data)
    pg_cluster.freeze()
    try:
        assert_503_in_time(server, uncached_paths(data, "frozen1") + uncached_paths(data, "frozen2"))
        for probe in ("/readyz", "/healthz"):
            status, _, body, elapsed = timed(server, probe)
            assert (status, elapsed < PROBE_SECONDS) == (503, True), (probe, elapsed, body)
        assert_served_without_the_database(server, pages, stylesheet)
    finally:
        pg_cluster.thaw()
    for path in uncached_paths(data, "thawed") * 2:
        assert server.request("GET", path)[0] == 200, path
    assert server.request("GET", "/readyz")[0] == 200
    assert "WORKER TIMEOUT" not in server.output()
    assert "Traceback" not in server.output()


def test_a_locked_table_is_a_503_after_the_lock_timeout(site):
    server, data, database_url = site
    pages, stylesheet = warm_up(server, data)
    with psycopg.connect(database_url) as locker:
        locker.execute("LOCK TABLE articles_article IN ACCESS EXCLUSIVE MODE")
        assert_503_in_time(server, uncached_paths(data, "locked1") + uncached_paths(data, "locked2"))
        assert_served_without_the_database(server, pages, stylesheet)
        locker.rollback()
    for path in uncached_paths(data, "unlocked") * 2:
        assert server.request("GET", path)[0] == 200, path
    assert "WORKER TIMEOUT" not in server.output()
