"""Real servers for failure tests: a throwaway PostgreSQL cluster and gunicorn with production settings.

Nothing here touches the shared PostgreSQL on 5432: the cluster lives in its own temporary folder on
its own port, so a test may stop and start it at will.
"""

import email
import email.policy
import glob
import http.client
import itertools
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
PG_BIN_DIRS = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)


def pg_binary(name):
    for folder in PG_BIN_DIRS:
        if os.access(os.path.join(folder, name), os.X_OK):
            return os.path.join(folder, name)
    return shutil.which(name)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**overrides):
    """The environment without anything that could point a child at the shared database or settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "GUNICORN_", "COMMENTS_", "REDIS_", "NEWSBLOG_"))
    }
    env.update(overrides)
    return env


class ThrowawayCluster:
    """initdb + pg_ctl in a temporary folder; run as the postgres OS user when we are root."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="newsblog-pg-"))
        self.data = self.dir / "data"
        self.as_root = os.geteuid() == 0

    def _run(self, *args, check=True, timeout=60):
        command = list(args)
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=timeout)

    def init(self):
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(pg_binary("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        return self

    def start(self):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            pg_binary("pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.dir / "log"),
            "-w",
            "start",
        )

    def stop(self):
        self._run(pg_binary("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def processes(self):
        """The postmaster and every backend of this cluster (never the shared server's)."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(postmaster)], capture_output=True, text=True, check=False
        )
        return [postmaster, *(int(pid) for pid in children.stdout.split())]

    def freeze(self):
        """Hang the server: every process stopped, sockets still open (the kernel keeps answering)."""
        for pid in self.processes():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self):
        for pid in self.processes():
            os.kill(pid, signal.SIGCONT)

    def create_database(self, name, template=None):
        options = ["-T", template] if template else []
        self._run(
            pg_binary("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", *options, name
        )
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def destroy(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def production_env(database_url, **overrides):
    return clean_env(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=database_url,
        **overrides,
    )


def http_request(port, method, path, body=None, headers=None, timeout=10, source=None):
    """(status, headers, body bytes) over a fresh connection to 127.0.0.1:port; never follows
    redirects. `source` is the local address to connect from (any 127.x.y.z works on loopback)."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout, source_address=(source, 0) if source else None
    )
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


class Gunicorn:
    """The real server, started the way `make run` does, on a free loopback port (or `port`)."""

    def __init__(self, env, workers=2, port=None):
        self.port = port or free_port()
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": str(workers)}
        self.log = tempfile.NamedTemporaryFile(prefix="newsblog-gunicorn-", suffix=".log", delete=False)
        self.process = None

    def start(self, timeout=30):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "newsblog.wsgi"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{self.output()}")
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not become ready:\n{self.output()}")

    def request(self, method, path, body=None, headers=None, timeout=10):
        """(status, headers, body bytes) over a fresh connection; never follows redirects."""
        return http_request(self.port, method, path, body=body, headers=headers, timeout=timeout)

    def worker_pids(self):
        result = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in result.stdout.split()]

    def output(self, limit=5000):
        """The end of what gunicorn and the app wrote (all of it with limit=None)."""
        self.log.flush()
        text = Path(self.log.name).read_text(errors="replace")
        return text if limit is None else text[-limit:]

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        os.unlink(self.log.name)


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
NGINX_CONF = ROOT / "deploy" / "nginx" / "newsblog.conf"
PLACEHOLDER = re.compile(r"\$\{(NEWSBLOG_[A-Z_]+)\}")


def render_nginx_conf(values):
    """deploy/nginx/newsblog.conf with its ${NEWSBLOG_...} placeholders filled in, as the nginx
    image's envsubst step does; nginx's own $variables are left alone."""
    text = NGINX_CONF.read_text()
    missing = set(PLACEHOLDER.findall(text)) - set(values)
    if missing:
        raise KeyError(f"no value for {sorted(missing)} in {NGINX_CONF.name}")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


# What the nginx image's /etc/nginx/nginx.conf provides around conf.d/, with every writable path in
# our own folder. pid, error_log and `daemon off` come on the command line.
NGINX_MAIN = """\
{user}
worker_processes {workers};
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/newsblog.conf;
}}
"""


class Nginx:
    """Debian's nginx with the repository's deploy/nginx/newsblog.conf, as a process of our own on a
    free loopback port (never the system service). `app_addresses` fills BLUE and GREEN."""

    def __init__(self, app_addresses, static_root, media_root, workers=1):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="newsblog-nginx-"))
        self.dir.chmod(0o755)  # workers run as nobody when we are root
        blue, green = app_addresses
        self.values = {
            "NEWSBLOG_LISTEN": f"127.0.0.1:{self.port}",
            "NEWSBLOG_APP_BLUE": blue,
            "NEWSBLOG_APP_GREEN": green,
            "NEWSBLOG_STATIC_ROOT": str(static_root),
            "NEWSBLOG_MEDIA_ROOT": str(media_root),
            "NEWSBLOG_CACHE_DIR": str(self.dir / "cache"),
        }
        self.workers = workers
        self.log = tempfile.NamedTemporaryFile(prefix="newsblog-nginx-", suffix=".log", delete=False)
        self.process = None

    def start(self, timeout=10):
        (self.dir / "newsblog.conf").write_text(render_nginx_conf(self.values))
        user = "user nobody nogroup;" if os.geteuid() == 0 else ""
        main = NGINX_MAIN.format(user=user, workers=self.workers, dir=self.dir)
        (self.dir / "nginx.conf").write_text(main)
        command_line = f"daemon off; pid {self.dir}/nginx.pid; error_log {self.dir}/error.log info;"
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.dir), "-c", str(self.dir / "nginx.conf"), "-g", command_line],
            stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited early:\n{self.output()}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        raise RuntimeError(f"nginx did not start listening:\n{self.output()}")

    def request(self, method, path, body=None, headers=None, timeout=10, source=None):
        return http_request(
            self.port, method, path, body=body, headers=headers, timeout=timeout, source=source
        )

    def output(self):
        """The access log (nginx's stdout), then the error log."""
        self.log.flush()
        access = Path(self.log.name).read_text(errors="replace")
        errors = (
            (self.dir / "error.log").read_text(errors="replace") if (self.dir / "error.log").exists() else ""
        )
        return f"{access[-3000:]}\n--- error.log ---\n{errors[-3000:]}"

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        os.unlink(self.log.name)
        shutil.rmtree(self.dir, ignore_errors=True)


SEED = """
import json, secrets
from django.conf import settings
from django.test import Client
from tests.factories import make_article, make_user

article = make_article(title="Outage proof", slug="outage-proof")
sessions = []
for n in range({users}):
    client = Client()
    client.force_login(make_user(username=f"reader{{n}}"))
    sessions.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
print(json.dumps({{"slug": article.slug, "author": article.author.username, "sessions": sessions}}))
"""


def seed(env, users=0):
    """One published article, and `users` readers with logged-in sessions (their session keys)."""
    import json

    result = manage("shell", "-c", SEED.format(users=users), env=env)
    return json.loads(result.stdout.strip().splitlines()[-1])


PASSWORD = "a sturdy passphrase 42"


class Reader:
    """A browser behind the load balancer: its cookie jar goes from host to host, and the balancer
    tells each host the reader's address (a documentation-range address, only ever a header)."""

    addresses = itertools.count(1)

    def __init__(self):
        self.cookies = {}
        self.address = f"192.0.2.{next(self.addresses)}"

    def request(self, host, method, path, form=None, body=None, headers=None):
        headers = {**(headers or {}), "X-Forwarded-For": self.address}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", host.port, timeout=20)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return response.status, response.headers, response.read().decode(errors="replace")
        finally:
            connection.close()

    def get(self, host, path):
        return self.request(host, "GET", path)

    def post_form(self, host, page, action=None, **fields):
        """Open `page` on `host`, then post its form (with the CSRF token it carries) to `action`."""
        status, _, html = self.get(host, page)
        assert status == 200, (page, status)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        return self.request(host, "POST", action or page, form={"csrfmiddlewaretoken": token, **fields})

    def log_in(self, host, username, password=PASSWORD):
        return self.post_form(host, "/accounts/login/", username=username, password=password)


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def emptied_redis(url):
    """A client for an emptied Redis database, or a skip (a failure under CI) when none answers."""
    import pytest
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.flushdb()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {url}")
        pytest.skip(f"Redis is not reachable at {url}")
    return client


class SmtpRecorder:
    """An aiosmtpd handler that keeps every message it accepts: (recipients, raw bytes)."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def count(self):
        with self.lock:
            return len(self.messages)

    def received(self):
        """(recipients, parsed message) for each message so far."""
        with self.lock:
            return [
                (to, email.message_from_bytes(content, policy=email.policy.default))
                for to, content in self.messages
            ]


@contextmanager
def smtp_listener():
    """A local SMTP server on a free loopback port: yields (controller, recorder)."""
    from aiosmtpd.controller import Controller

    recorder = SmtpRecorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, recorder
    finally:
        controller.stop()


class TaskWorker:
    """`manage.py db_worker` as production runs it, polling often so that tests wait little."""

    def __init__(self, env):
        self.env = env
        self.log = tempfile.NamedTemporaryFile(prefix="newsblog-worker-", suffix=".log", delete=False)
        self.process = None

    def start(self):
        command = ["db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1"]
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", *command],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        return self

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self):
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-5000:]
