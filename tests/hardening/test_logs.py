"""What production writes to its logs: one JSON object per line, one line per request with what an
operator needs to follow it, and never a password, a token, a cookie or what a reader wrote."""

import json

import pytest

from tests.hardening.servers import PASSWORD, Gunicorn, Reader, manage, production_env

SETUP = """
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from tests.factories import make_article, make_user
reader = make_user(username="logged_reader", password="{password}", email="logged@example.org")
make_article(slug="logged-article")
print(reader.pk, urlsafe_base64_encode(force_bytes(reader.pk)), default_token_generator.make_token(reader))
"""
COMMENT = "A private thought nobody logs 7f3a"


@pytest.fixture
def server(fresh_database, collected_static):
    env = production_env(fresh_database, DJANGO_PROXY_COUNT="1")
    user_id, uid, token = manage("shell", "-c", SETUP.format(password=PASSWORD), env=env).stdout.split()[-3:]
    server = Gunicorn(env, workers=2).start()
    yield server, {"user_id": int(user_id), "uid": uid, "token": token}
    server.stop()


def app_lines(output):
    """Every line the app wrote (gunicorn's own start-up lines are plain text)."""
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_requests_are_logged_as_json_with_what_an_operator_needs_and_no_secrets(server):
    server, secrets = server
    reader = Reader()
    status, headers, _ = reader.request(server, "GET", "/", headers={"X-Request-ID": "trace-abc-123"})
    assert (status, headers["X-Request-ID"]) == (200, "trace-abc-123")
    reset = f"/accounts/reset/{secrets['uid']}/{secrets['token']}/"
    assert Reader().get(server, reset)[0] == 302  # before logging in, which retires the token
    assert reader.log_in(server, "logged_reader")[0] == 302
    assert reader.get(server, "/accounts/profile/")[0] == 200
    page, action = "/articles/logged-article/", "/articles/logged-article/comments/"
    assert reader.post_form(server, page, action=action, body=COMMENT, parent="")[0] == 302

    output = server.output(limit=None)
    for line in output.splitlines():  # gunicorn's own lines excepted, every line is a JSON object
        assert line.startswith("{") or line.startswith("[") and "] [INFO] " in line, line
    finished = [line for line in app_lines(output) if line["event"] == "request_finished"]
    traced = next(line for line in finished if line["request_id"] == "trace-abc-123")
    assert traced["request"] == "GET /" and traced["code"] == 200
    assert {"duration_ms", "queries", "ip", "timestamp", "level"} <= traced.keys()
    profile = next(line for line in finished if line["request"] == "GET /accounts/profile/")
    assert profile["user_id"] == secrets["user_id"] and profile["queries"] >= 1
    assert profile["ip"] == reader.address  # the reader's address, as the proxy passed it
    assert any(line["request"] == "GET /accounts/reset/[redacted]/[redacted]/" for line in finished)

    cookies = list(reader.cookies.values())
    assert cookies, "the reader had a session and a CSRF cookie"
    for secret in [PASSWORD, secrets["token"], COMMENT, *cookies]:
        assert secret not in output, f"{secret!r} is in the logs"


def test_metrics_add_up_every_worker_and_refuse_outsiders(server):
    server, _ = server
    for _ in range(12):  # two workers share these
        assert server.request("GET", "/", headers={"X-Forwarded-For": "198.51.100.7"})[0] == 200
    monitor = {"X-Forwarded-For": "127.0.0.1"}
    status, _, body = server.request("GET", "/metrics", headers=monitor)
    assert status == 200
    counts = [
        float(line.rsplit(" ", 1)[1])
        for line in body.decode().splitlines()
        if line.startswith("django_http_responses_total_by_status_total{") and 'status="200"' in line
    ]
    assert sum(counts) >= 12
    assert server.request("GET", "/metrics", headers={"X-Forwarded-For": "198.51.100.7"})[0] == 403
