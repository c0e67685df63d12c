"""A gunicorn worker dies mid-load: the master replaces it, and no acknowledged comment is lost or doubled."""

import os
import secrets
import signal
import string
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import psycopg

from tests.hardening.servers import Gunicorn, production_env, seed

THREADS = 8
POSTS_PER_THREAD = 15


def csrf_secret():
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))


def test_killing_a_worker_loses_no_acknowledged_comment_and_duplicates_none(fresh_database, collected_static):
    env = production_env(fresh_database, COMMENTS_MIN_INTERVAL_SECONDS="0", COMMENTS_MAX_PER_HOUR="0")
    data = seed(env, users=THREADS)
    server = Gunicorn(env, workers=2).start()
    url = f"/articles/{data['slug']}/comments/"
    acknowledged, unknown, refused = [], [], []
    lock = threading.Lock()
    enough_in_flight = threading.Event()

    def post_all(n):
        # Production cookies are __Host- and Secure; a plain-http client sends them explicitly.
        token = csrf_secret()
        cookie = f"__Host-sessionid={data['sessions'][n]}; __Host-csrftoken={token}"
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        for i in range(POSTS_PER_THREAD):
            body = f"thread {n} post {i}"
            form = urlencode({"csrfmiddlewaretoken": token, "body": body})
            try:
                status, response_headers, _ = server.request("POST", url, body=form, headers=headers)
            except OSError:
                outcome = unknown  # the worker died with this request: saved or not, never twice
            else:
                outcome = acknowledged if status == 302 else refused
                if status != 302:
                    body = (body, status)
            with lock:
                outcome.append(body)
                if len(acknowledged) >= THREADS * 2:
                    enough_in_flight.set()

    try:
        before = server.worker_pids()
        assert len(before) == 2
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            futures = [pool.submit(post_all, n) for n in range(THREADS)]
            assert enough_in_flight.wait(30)
            victim = before[0]
            os.kill(victim, signal.SIGKILL)
            for future in futures:
                future.result()

        # The master notices and forks a replacement; the site keeps answering.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            after = server.worker_pids()
            if len(after) == 2 and victim not in after:
                break
            time.sleep(0.2)
        assert len(after) == 2 and victim not in after, (before, after)
        assert server.request("GET", f"/articles/{data['slug']}/")[0] == 200
        assert "Traceback" not in server.output()
    finally:
        server.stop()

    with psycopg.connect(fresh_database) as connection:
        rows = [body for (body,) in connection.execute("SELECT body FROM comments_comment")]
    counts = Counter(rows)
    assert refused == []
    assert [body for body, n in counts.items() if n > 1] == []
    assert set(acknowledged) <= set(rows)
    assert set(rows) - set(acknowledged) <= set(unknown)
    assert len(acknowledged) + len(unknown) == THREADS * POSTS_PER_THREAD
    assert len(rows) >= len(acknowledged)
