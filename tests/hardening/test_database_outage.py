"""The database goes away under a running gunicorn, then comes back: calm 503s, then recovery."""

import json
import time

import pytest

from tests.hardening.servers import Gunicorn, production_env, seed

# A reader must never wait long for the bad news, and the site must heal itself without a restart.
OUTAGE_ANSWER_SECONDS = 3
RECOVERY_SECONDS = 5


@pytest.fixture
def site(fresh_database, collected_static):
    env = production_env(fresh_database)
    data = seed(env)
    server = Gunicorn(env, workers=2).start()
    yield server, data
    server.stop()


def test_pages_answer_503_while_the_database_is_down_and_recover_without_a_restart(site, pg_cluster):
    server, data = site
    pages = [
        "/",
        f"/articles/{data['slug']}/",
        f"/authors/{data['author']}/",
        "/search/?q=outage",
        "/feed/",
        "/sitemap.xml",
        "/healthz",
    ]
    # Forms that render from the (cached) navigation alone may still answer 200: never a 500 or a hang.
    forms = ["/accounts/login/", "/accounts/signup/", "/accounts/password_reset/"]
    for path in [*pages, *forms]:
        assert server.request("GET", path)[0] == 200, path

    pg_cluster.stop()
    try:
        for path in [*pages, *pages]:  # twice: each worker meets the outage with a connection it held
            started = time.monotonic()
            status, headers, body = server.request("GET", path)
            elapsed = time.monotonic() - started
            assert status == 503, (path, status, body[:300])
            assert (headers["Retry-After"] or "").isdigit(), path
            assert elapsed < OUTAGE_ANSWER_SECONDS, (path, elapsed)
            assert b"Traceback" not in body, path
        for path in forms:
            started = time.monotonic()
            status, _, body = server.request("GET", path)
            assert status in (200, 503), (path, status)
            assert time.monotonic() - started < OUTAGE_ANSWER_SECONDS, path
            assert b"Traceback" not in body, path
        # A form post during the outage is refused the same way, not with a 500.
        status, headers, body = server.request(
            "POST", "/accounts/login/", body="username=a&password=b",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        assert status in (403, 503), status  # no CSRF cookie: 403 before the database is touched
        assert json.loads(server.request("GET", "/healthz")[2]) == {
            "status": "error",
            "reason": "database unavailable",
        }
    finally:
        pg_cluster.start()

    started = time.monotonic()
    status, _, body = server.request("GET", "/", timeout=RECOVERY_SECONDS)
    assert status == 200, body[:300]
    assert time.monotonic() - started < RECOVERY_SECONDS
    for path in [*pages, *pages]:  # and on every worker
        assert server.request("GET", path)[0] == 200, path
    assert "Traceback" not in server.output()
