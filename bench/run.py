"""The newsblog benchmark: one command, loopback only, bounded in time. See README "## Performance".

    bench/run.sh                      # everything, default sizes (about 4 minutes on 2 cores)
    bench/run.sh --no-lighthouse      # skip the browser audit
    bench/run.sh --duration 30        # longer load per page
    bench/run.sh --help

Steps: create the bench database if needed, migrate, generate data (generate_bench_data),
collectstatic, clear the bench cache; measure the floor (bench/floor.py: a bare Django view under
the same gunicorn config); start the site under gunicorn with production settings against
PostgreSQL and Redis (workers = cores); log in a reader; warm up; load each page with wrk; record
worker memory; start nginx in front with deploy/nginx/newsblog.conf and load the home and article
pages through it, and a saved copy of the article page served by nginx as a static file (the box's
limit); run 50 slow clients through nginx for 60 s while a reader reads (bench/slow_clients.py);
optionally run Lighthouse; EXPLAIN ANALYZE the reader-page queries; print one table
with targets, and save everything to bench/results/<timestamp>/. gunicorn is always stopped at the
end, on error and on Ctrl-C too.
"""

import argparse
import datetime
import html
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

import slow_clients  # noqa: E402 - bench/ is the script's folder
import writes  # noqa: E402 - bench/ is the script's folder

from tests.hardening.servers import Nginx  # noqa: E402 - the same nginx start as the tests

PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
LIGHTHOUSE_VERSION = "12.2.3"
LOOPBACK = "127.0.0.1"

# Page rows: (key, label, floor-ratio target, extra target text).
ROWS = [
    ("home", "home /", 0.6),
    ("article", "article (anonymous)", 0.6),
    ("article_signed_in", "article (signed in)", 0.3),
    ("article_304", "article 304 revalidation", 0.8),
    ("category", "category", None),
    ("search", "search (body-only word)", 0.1),
    ("feed", "feed /feed/", None),
    ("api_list", "API /api/articles/", None),
    ("api_article", "API article (anonymous)", 0.6),
    ("static_nginx", "static file via nginx", None),
    ("home_nginx", "home / via nginx", None),
    ("article_nginx", "article (anon.) via nginx", None),
    ("article_rendered", "article rendered (no cache)", 0.1),
]
# Through nginx, reader pages against nginx serving a saved copy of the article page from disk.
NGINX_VS_STATIC_TARGET = 0.5
SEARCH_P99_TARGET_MS = 100
REMOVE_BENCH_COMMENTS = """
from comments.models import Comment, update_article_counters
from pagecache.tags import changed_everything
posted = Comment.objects.filter(body__startswith="Bench comment ")
articles = set(posted.values_list("article_id", flat=True))
posted.delete()
update_article_counters(articles)
changed_everything()
"""
ARTICLE_BYTES_TARGET = 50 * 1024


class Stop(Exception):
    """A fatal problem with a clear message (gunicorn is still cleaned up)."""


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def parse_args():
    cores = len(os.sched_getaffinity(0))
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page (default 10)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up load per page (default 3)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument(
        "--wrk-threads", type=int, default=1, help="wrk threads (default 1: cores are scarce)"
    )
    parser.add_argument(
        "--timeout", type=int, default=5, help="wrk per-request timeout in seconds (default 5)"
    )
    parser.add_argument(
        "--workers", type=int, default=cores, help=f"gunicorn workers (default: cores = {cores})"
    )
    parser.add_argument("--articles", type=int, default=10_000, help="articles to generate (default 10000)")
    parser.add_argument(
        "--comments", type=int, default=200, help="comments on the target article (default 200)"
    )
    parser.add_argument(
        "--other-comments",
        type=int,
        default=20_000,
        help="comments spread over the other articles, two each (default 20000)",
    )
    parser.add_argument("--reset", action="store_true", help="regenerate the bench data from scratch")
    parser.add_argument(
        "--database", default="newsblog_bench", help="PostgreSQL database (default newsblog_bench)"
    )
    parser.add_argument("--pg", default=f"postgres@{LOOPBACK}:5432", help="user@host:port of PostgreSQL")
    parser.add_argument("--redis-url", default=f"redis://{LOOPBACK}:6379/1", help="Redis for the bench cache")
    parser.add_argument("--port", type=int, default=18080, help="site port on 127.0.0.1 (default 18080)")
    parser.add_argument(
        "--floor-port", type=int, default=18081, help="floor port on 127.0.0.1 (default 18081)"
    )
    parser.add_argument(
        "--no-lighthouse", action="store_true", help="skip the Lighthouse audit (about 1 minute)"
    )
    parser.add_argument("--no-explain", action="store_true", help="skip EXPLAIN ANALYZE of the page queries")
    parser.add_argument(
        "--no-slow-clients", action="store_true", help="skip the 60 s slow-client run through nginx"
    )
    parser.add_argument(
        "--no-writes", action="store_true", help="skip the reads-while-writing rows (about 2 minutes)"
    )
    parser.add_argument("--max-minutes", type=int, default=20, help="abort the whole run after this long")
    args = parser.parse_args()
    if not args.pg.split("@")[-1].startswith(LOOPBACK) or LOOPBACK not in args.redis_url:
        parser.error("the benchmark runs on loopback only: PostgreSQL and Redis must be on 127.0.0.1")
    return args


# --- processes -------------------------------------------------------------------------------------


class Server:
    """A gunicorn master in its own session, stopped (master first, then the group) by stop()."""

    def __init__(self, name, app, port, env, workers, log_dir, chdir=None):
        self.name, self.port = name, port
        self.log_path = log_dir / f"gunicorn-{name}.log"
        server_env = {**env, "GUNICORN_BIND": f"{LOOPBACK}:{port}", "GUNICORN_WORKERS": str(workers)}
        command = [GUNICORN, "--config", str(ROOT / "gunicorn.conf.py")]
        if chdir:
            command += ["--chdir", str(chdir)]
        self.log_file = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [*command, app],
            cwd=ROOT,
            env=server_env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, path, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Stop(f"gunicorn ({self.name}) exited early; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"http://{LOOPBACK}:{self.port}{path}", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise Stop(
            f"gunicorn ({self.name}) not ready on port {self.port} after {timeout} s; see {self.log_path}"
        )

    def worker_memory(self):
        """(pid, RSS in MiB) of each worker: the master's children, read from /proc."""
        workers = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) != self.process.pid:
                    continue
                status = (stat.parent / "status").read_text()
            except (OSError, IndexError, ValueError):
                continue
            rss_kib = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
            workers.append((int(stat.parent.name), round(rss_kib / 1024, 1)))
        return sorted(workers)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
            try:
                self.process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.log_file.close()


def port_is_free(port):
    with socket.socket() as sock:
        return sock.connect_ex((LOOPBACK, port)) != 0


def run(command, env, timeout, capture=False, **kwargs):
    result = subprocess.run(
        command, cwd=ROOT, env=env, timeout=timeout, text=True, capture_output=capture, **kwargs
    )
    if result.returncode != 0:
        detail = f"\n{result.stdout}\n{result.stderr}" if capture else ""
        raise Stop(f"command failed ({result.returncode}): {' '.join(command)}{detail}")
    return result.stdout


def manage(env, *arguments, timeout=600, capture=False):
    return run([PYTHON, "manage.py", *arguments], env, timeout, capture=capture)


# --- setup -------------------------------------------------------------------------------------------


def ensure_tools():
    """wrk loads the pages; nginx runs in front for the "via nginx" rows. Both come from Debian."""
    missing = [
        package
        for package, binary in (("wrk", "wrk"), ("nginx", "/usr/sbin/nginx"))
        if not shutil.which(binary)
    ]
    if not missing:
        return
    if os.geteuid() != 0:
        raise Stop(f"missing: run `apt-get install -y {' '.join(missing)}` as root")
    log(f"installing {', '.join(missing)} with apt-get")
    # Keep the nginx package from starting the system service: the bench starts its own nginx.
    blocker = Path("/usr/sbin/policy-rc.d")
    block = not blocker.exists()
    if block:
        blocker.write_text("#!/bin/sh\nexit 101\n")
        blocker.chmod(0o755)
    try:
        subprocess.run(["apt-get", "update", "-qq"], check=True, timeout=300)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, timeout=300)
    finally:
        if block:
            blocker.unlink()


def ensure_database(args):
    import psycopg

    user, hostport = args.pg.split("@")
    host, port = hostport.split(":")
    with psycopg.connect(host=host, port=port, user=user, dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database]).fetchone()
        if not exists:
            log(f"creating database {args.database}")
            conn.execute(f'CREATE DATABASE "{args.database}"')
        version = conn.execute("SHOW server_version").fetchone()[0]
    return f"postgres://{user}@{host}:{port}/{args.database}", version


def site_env(database_url, redis_url):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "GUNICORN_"))}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=f"{LOOPBACK},localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DJANGO_SETTINGS_MODULE="newsblog.settings",
        # The reads-while-writing rows post a comment every 0.2 s from one reader.
        COMMENTS_MIN_INTERVAL_SECONDS="0",
        COMMENTS_MAX_PER_HOUR="0",
        # wrk reads the content API from one address far faster than any reader.
        NEWSBLOG_API_REQUESTS_PER_MINUTE="0",
    )
    return env


def parse_generator_output(text):
    info = {}
    for key, pattern in {
        "article_url": r"target article: \S+ \((\S+)\)",
        "category_url": r"category: \S+ \((\S+)\)",
        "search_word": r"search word: (\w+)",
        "reader": r"reader: (\S+) \((.+)\)",
        "generated": r"(Bench data ready in .+)",
    }.items():
        match = re.search(pattern, text)
        if not match:
            raise Stop(f"unexpected generate_bench_data output:\n{text}")
        info[key] = match.groups() if key == "reader" else match.group(1)
    return info


# --- HTTP helpers ------------------------------------------------------------------------------------


def fetch(url, headers=None, data=None):
    """(status, headers, body) without following redirects and without a cookie jar: the site's
    cookies are __Host- and Secure, which a jar would never send back over plain http."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310 - http://127.0.0.1
    try:
        with opener.open(request, timeout=15) as response:
            return response.status, response.headers, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8", "replace")


def cookies_from(headers):
    jar = {}
    for value in headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def log_in(base, username, password):
    """A signed-in Cookie header, obtained through the real login form."""
    status, headers, body = fetch(f"{base}/accounts/login/")
    jar = cookies_from(headers)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not token:
        raise Stop(f"login page answered {status} without a CSRF token")
    form = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1), "next": "/"}
    ).encode()
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    status, headers, _ = fetch(
        f"{base}/accounts/login/",
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded", "Origin": base},
        data=form,
    )
    jar.update(cookies_from(headers))
    if status != 302 or not any("sessionid" in name for name in jar):
        raise Stop(f"login failed: {status}, cookies {sorted(jar)}")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


# --- wrk -----------------------------------------------------------------------------------------------


def wrk(url, args, seconds, headers=(), connections=None):
    command = [
        "wrk",
        f"--threads={args.wrk_threads}",
        f"--connections={connections or args.connections}",
        f"--duration={seconds}s",
        f"--timeout={args.timeout}s",
        f"--script={BENCH / 'report.lua'}",
    ]
    for header in headers:
        command += ["--header", header]
    result = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=seconds + args.timeout + 30
    )
    match = re.search(r"^BENCH_JSON (.+)$", result.stdout, re.MULTILINE)
    if result.returncode != 0 or not match:
        raise Stop(f"wrk failed on {url}:\n{result.stdout}\n{result.stderr}")
    data = json.loads(match.group(1))
    data["errors"] = sum(
        data[key] for key in ("connect_errors", "read_errors", "write_errors", "timeouts", "status_errors")
    )
    data["wrk_output"] = result.stdout
    return data


# --- Lighthouse -------------------------------------------------------------------------------------


def ensure_lighthouse():
    binary = BENCH / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        log(f"installing lighthouse {LIGHTHOUSE_VERSION} into bench/node_modules")
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "-E", f"lighthouse@{LIGHTHOUSE_VERSION}"],
            cwd=BENCH,
            check=True,
            timeout=600,
        )
    return binary


def lighthouse(binary, url, out_path):
    command = [
        str(binary),
        url,
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-background-networking",
        "--output=json",
        f"--output-path={out_path}",
        "--quiet",
    ]
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    process = subprocess.Popen(command, cwd=BENCH, env=env, start_new_session=True)
    try:
        process.wait(timeout=240)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # lighthouse and the Chromium it started
        process.wait()
        raise Stop(f"lighthouse took more than 240 s on {url}") from None
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    report = json.loads(Path(out_path).read_text())
    if report.get("runtimeError"):
        raise Stop(f"lighthouse error on {url}: {report['runtimeError']}")
    scores = {key: round((category["score"] or 0) * 100) for key, category in report["categories"].items()}
    items = report["audits"]["network-requests"]["details"]["items"]
    total = sum(item.get("transferSize") or 0 for item in items)
    images = sum(item.get("transferSize") or 0 for item in items if item.get("resourceType") == "Image")
    failed = [
        audit["id"]
        for audit in report["audits"].values()
        if audit.get("score") is not None and audit["score"] < 1 and audit.get("scoreDisplayMode") == "binary"
    ]
    return {
        "scores": scores,
        "total_bytes": total,
        "bytes_without_images": total - images,
        "total_byte_weight": report["audits"]["total-byte-weight"]["numericValue"],
        "failed_binary_audits": failed,
    }


# --- machine and report -------------------------------------------------------------------------------


def machine():
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "cores": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load_average": Path("/proc/loadavg").read_text().split()[:3],
        "commit": commit,
    }


def mark(ok):
    return "pass" if ok else "MISS"


def render_table(results, floor, facts):
    lines = [
        f"{'page':<26} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'KB/resp':>8} "
        f"{'x floor':>8}  target",
        "-" * 100,
    ]
    fmt = "{:<26} {:>8.0f} {:>8.1f} {:>8.1f} {:>7d} {:>8.1f} {:>8.3f}  {}"
    lines.append(
        fmt.format(
            "floor (best of 2 runs)",
            floor["rps"],
            floor["p50_ms"],
            floor["p99_ms"],
            floor["errors"],
            floor["bytes"] / max(1, floor["requests"]) / 1024,
            1.0,
            "",
        )
    )
    for key, label, ratio_target in ROWS:
        row = results.get(key)
        if row is None or "skipped" in row:
            reason = row["skipped"] if row else "not measured"
            lines.append(f"{label:<26} {reason}")
            continue
        ratio = row["rps"] / floor["rps"]
        targets = []
        if ratio_target is not None:
            targets.append(f">= {ratio_target}x {mark(ratio >= ratio_target)}")
        if key in ("home_nginx", "article_nginx") and "rps" in results.get("static_nginx", {}):
            of_static = row["rps"] / results["static_nginx"]["rps"]
            met = mark(of_static >= NGINX_VS_STATIC_TARGET)
            targets.append(f"{of_static:.2f}x static file, >= {NGINX_VS_STATIC_TARGET}x {met}")
        if key == "search":
            targets.append(f"p99 <= {SEARCH_P99_TARGET_MS} ms {mark(row['p99_ms'] <= SEARCH_P99_TARGET_MS)}")
        targets.append(f"0 errors {mark(row['errors'] == 0)}")
        if row.get("note"):
            targets.append(row["note"])
        lines.append(
            fmt.format(
                label,
                row["rps"],
                row["p50_ms"],
                row["p99_ms"],
                row["errors"],
                row["bytes"] / max(1, row["requests"]) / 1024,
                ratio,
                "; ".join(targets),
            )
        )
    lines.append("-" * 100)
    lines.append(
        f"{facts['duration']} s per page after {facts['warmup']} s warm-up, "
        f"{facts['connections']} connections, "
        f"wrk {facts['wrk_threads']} thread(s), gunicorn {facts['workers']} sync workers; "
        f"errors = socket errors + HTTP status >= 400"
    )
    return "\n".join(lines)


def render_lighthouse(lighthouse_results):
    lines = [
        f"{'Lighthouse (mobile)':<26} {'perf':>5} {'a11y':>5} {'b.p.':>5} {'seo':>5} {'KB total':>9} "
        f"{'KB w/o img':>10}  target",
        "-" * 100,
    ]
    for name, data in lighthouse_results.items():
        if "skipped" in data:
            lines.append(f"{name:<26} {data['skipped']}")
            continue
        s = data["scores"]
        all_100 = all(s.get(k) == 100 for k in ("performance", "accessibility", "best-practices", "seo"))
        targets = [f"100/100/100/100 {mark(all_100)}"]
        if name == "article":
            small = data["bytes_without_images"] < ARTICLE_BYTES_TARGET
            targets.append(f"< 50 KB w/o images {mark(small)}")
        if data["failed_binary_audits"]:
            targets.append("failed: " + ", ".join(data["failed_binary_audits"][:6]))
        lines.append(
            f"{name:<26} {s.get('performance', 0):>5} {s.get('accessibility', 0):>5} "
            f"{s.get('best-practices', 0):>5} {s.get('seo', 0):>5} {data['total_bytes'] / 1024:>9.1f} "
            f"{data['bytes_without_images'] / 1024:>10.1f}  {'; '.join(targets)}"
        )
    return "\n".join(lines)


# --- the run --------------------------------------------------------------------------------------------


def measure_floor(args, env, out):
    server = Server("floor", "floor:application", args.floor_port, env, args.workers, out, chdir=BENCH)
    try:
        server.wait_ready("/")
        url = f"http://{LOOPBACK}:{args.floor_port}/"
        log(f"floor: warm-up {args.warmup} s, load {args.duration} s")
        wrk(url, args, args.warmup)
        floor = wrk(url, args, args.duration)
        floor["worker_rss_mib"] = server.worker_memory()
        return floor
    finally:
        server.stop()


def measure_site(args, env, info, password, out):
    base = f"http://{LOOPBACK}:{args.port}"
    server = Server("site", "newsblog.wsgi:application", args.port, env, args.workers, out)
    results, checks, proxy = {}, {}, None
    try:
        server.wait_ready("/healthz")
        article_url = base + info["article_url"]
        username, display_name = info["reader"]
        cookie = log_in(base, username, password)

        # Sanity checks before loading anything: real pages, the right user, the ETag if any.
        status, headers, body = fetch(article_url)
        anonymous_page = body
        if status != 200 or html.escape(display_name) in body:
            raise Stop(f"anonymous article page: status {status} or shows the reader's name")
        etag, last_modified = headers.get("ETag"), headers.get("Last-Modified")
        checks["article_etag"], checks["article_last_modified"] = etag, last_modified
        checks["article_cache_control"] = headers.get("Cache-Control")
        status, _, body = fetch(article_url, headers={"Cookie": cookie})
        if status != 200 or html.escape(display_name) not in body:
            raise Stop(
                f"signed-in article page: status {status}, reader's name shown: {display_name in body}"
            )
        checks["signed_in_shows_name"] = True
        # nginx in front, configured as in production; the saved page is the box's limit.
        static_root, media_root = out / "nginx-static", out / "nginx-media"
        static_root.mkdir()
        media_root.mkdir()
        (static_root / "article.html").write_text(anonymous_page)
        proxy = Nginx([f"{LOOPBACK}:{args.port}"] * 2, static_root, media_root, workers="auto").start()
        proxied = f"http://{LOOPBACK}:{proxy.port}"
        status, _, static_body = fetch(f"{proxied}/static/article.html")
        if status != 200 or static_body != anonymous_page:
            raise Stop(f"nginx: the saved article page answered {status}")
        revalidation = None
        if etag:
            status, _, _ = fetch(article_url, headers={"If-None-Match": etag})
            checks["if_none_match_status"] = status
            revalidation = status
        pages = {
            "home": (base + "/", []),
            "article": (article_url, []),
            "article_signed_in": (article_url, [f"Cookie: {cookie}"]),
            "article_304": (article_url, [f"If-None-Match: {etag}"] if etag else None),
            "category": (base + info["category_url"], []),
            "search": (f"{base}/search/?q={info['search_word']}", []),
            "feed": (base + "/feed/", []),
            "api_list": (base + "/api/articles/", []),
            "api_article": (f"{base}/api{info['article_url']}", []),
            "static_nginx": (f"{proxied}/static/article.html", []),
            "home_nginx": (proxied + "/", []),
            "article_nginx": (proxied + info["article_url"], []),
        }
        for key, (url, headers_) in pages.items():
            if headers_ is None:
                results[key] = {"skipped": "no ETag (the article page sends none yet)"}
                continue
            status, _, _ = fetch(url, headers=dict(h.split(": ", 1) for h in headers_))
            if status not in (200, 304):
                raise Stop(f"{key}: {url} answered {status}")
            log(f"{key}: warm-up {args.warmup} s, load {args.duration} s")
            wrk(url, args, args.warmup, headers_, connections=min(8, args.connections))
            results[key] = wrk(url, args, args.duration, headers_)
            results[key]["url"] = url
        if "statuses" in results.get("article_304", {}):
            statuses = results["article_304"]["statuses"]
            if revalidation != 304 or statuses.get("200"):
                results["article_304"]["note"] = f"answers {statuses} to If-None-Match, not only 304"
        if args.no_slow_clients:
            checks["slow_clients"] = {"skipped": "--no-slow-clients"}
        else:
            log("slow clients: 50 connections, one header line every 5 s, for 60 s through nginx")
            checks["slow_clients"] = slow_clients.run(proxied + info["article_url"], seconds=60)
        if not args.no_writes:
            results["while_writing"] = writes.measure(
                fetch=fetch, wrk=wrk, log=log, args=args, base=base, article_url=article_url,
                cookie=cookie, quiet=results,
            )  # fmt: skip
        checks["worker_rss_mib"] = server.worker_memory()
        lighthouse_results = {}
        if args.no_lighthouse:
            lighthouse_results = {"home": {"skipped": "skipped (--no-lighthouse)"}}
        else:
            binary = ensure_lighthouse()
            for name, url in (("home", base + "/"), ("article", article_url)):
                log(f"lighthouse: {name}")
                try:
                    lighthouse_results[name] = lighthouse(binary, url, out / f"lighthouse-{name}.json")
                except Stop as problem:  # keep the load results: report the audit as failed
                    log(str(problem))
                    lighthouse_results[name] = {"skipped": f"FAILED: {str(problem)[:200]}"}
        return results, checks, lighthouse_results
    finally:
        if proxy is not None:
            proxy.stop()
        server.stop()


def measure_rendered(args, env, info, out):
    """The article page built on every request (NEWSBLOG_PAGE_CACHE=0): what the first reader after
    a change to it waits for, 200 comments and all."""
    port = args.port + 2
    server = Server(
        "rendered", "newsblog.wsgi:application", port, {**env, "NEWSBLOG_PAGE_CACHE": "0"}, args.workers, out
    )
    try:
        server.wait_ready("/healthz")
        url = f"http://{LOOPBACK}:{port}{info['article_url']}"
        status, headers, _ = fetch(url)
        if status != 200 or headers.get("ETag"):
            raise Stop(
                f"rendered article: status {status}, ETag {headers.get('ETag')} (the cache should be off)"
            )
        log(f"article_rendered: warm-up {args.warmup} s, load {args.duration} s")
        wrk(url, args, args.warmup, [], connections=min(8, args.connections))
        return {**wrk(url, args, args.duration, []), "url": url}
    finally:
        server.stop()


def explain(args, env, info, out):
    pages = [
        ("home", "/"),
        ("category", info["category_url"]),
        ("article", info["article_url"]),
        ("search", f"/search/?q={info['search_word']}"),
        ("feed", "/feed/"),
        ("api list", "/api/articles/"),
        ("api article", f"/api{info['article_url']}"),
    ]
    stdout = run(
        [PYTHON, str(BENCH / "explain.py"), str(out / "explain.txt"), json.dumps(pages)],
        env,
        300,
        capture=True,
    )
    return [
        json.loads(line.split(" ", 1)[1]) for line in stdout.splitlines() if line.startswith("EXPLAIN_JSON ")
    ]


def main():
    args = parse_args()
    started = time.monotonic()
    # Other work on the machine skews every figure: the header shows the load before and after.
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = BENCH / "results" / stamp
    out.mkdir(parents=True, exist_ok=True)

    def abort(signum, frame):
        raise SystemExit(f"bench: stopped by signal {signum}")

    def too_long(signum, frame):
        raise Stop(f"the run took more than --max-minutes={args.max_minutes}")

    signal.signal(signal.SIGTERM, abort)
    signal.signal(signal.SIGHUP, abort)
    signal.signal(signal.SIGALRM, too_long)
    signal.alarm(args.max_minutes * 60)

    try:
        ensure_tools()
        for port in (args.port, args.floor_port):
            if not port_is_free(port):
                raise Stop(f"port {port} on {LOOPBACK} is in use: pass --port/--floor-port")
        database_url, pg_version = ensure_database(args)
        env = site_env(database_url, args.redis_url)
        log("migrate")
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        password = secrets.token_urlsafe(24)
        log(
            f"generate_bench_data --articles {args.articles} --comments {args.comments} "
            f"--other-comments {args.other_comments}"
        )
        generator = [
            f"--articles={args.articles}",
            f"--comments={args.comments}",
            f"--other-comments={args.other_comments}",
            f"--reader-password={password}",
        ]
        if args.reset:
            generator.append("--reset")
        info = parse_generator_output(manage(env, "generate_bench_data", *generator, capture=True))
        log(info["generated"])
        log("collectstatic")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        # A clean bench cache (Redis database of --redis-url only): no pages left from older data.
        manage(env, "shell", "-c", "from django.core.cache import cache; cache.clear()", capture=True)

        floor_before = measure_floor(args, env, out)
        log(f"floor: {floor_before['rps']:.0f} req/s")
        results, checks, lighthouse_results = measure_site(args, env, info, password, out)
        results["article_rendered"] = measure_rendered(args, env, info, out)
        # The comments the reads-while-writing rows posted: gone, so the next run reads the same data.
        manage(env, "shell", "-c", REMOVE_BENCH_COMMENTS, capture=True)
        # Measured again after the pages; the faster of the two is the floor, so that a busy moment
        # during one floor run never flatters the ratios.
        floor_after = measure_floor(args, env, out)
        log(f"floor again: {floor_after['rps']:.0f} req/s")
        floor = max(floor_before, floor_after, key=lambda run: run["rps"])
        floor["before_after_rps"] = [round(floor_before["rps"]), round(floor_after["rps"])]
        explain_rows = [] if args.no_explain else explain(args, env, info, out)
    except Stop as problem:
        print(f"bench: {problem}", file=sys.stderr)
        return 1
    finally:
        signal.alarm(0)

    facts = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "postgresql": pg_version,
        "articles": args.articles,
        "comments": args.comments,
        "other_comments": args.other_comments,
        "duration": args.duration,
        "warmup": args.warmup,
        "connections": args.connections,
        "wrk_threads": args.wrk_threads,
        "workers": args.workers,
        "search_word": info["search_word"],
        "data": info["generated"],
        "load_average_before": load_before,
    }
    m = facts["machine"]
    header = (
        f"newsblog benchmark {facts['date']} · {m['cores']} cores {m['cpu']} · {m['ram_gib']} GiB RAM · "
        f"Python {m['python']} · PostgreSQL {pg_version} · "
        f"{args.articles} articles, {args.comments} + {args.other_comments} comments · "
        f"commit {m['commit']} · "
        f"load average before/after {' '.join(load_before)} / {' '.join(m['load_average'])}"
    )
    table = render_table(results, floor, facts)
    rss = ", ".join(f"{mib:.0f}" for _, mib in checks["worker_rss_mib"])
    floor_rss = ", ".join(f"{mib:.0f}" for _, mib in floor["worker_rss_mib"])
    extra = [
        f"worker RSS after the run (MiB): site {rss}; floor {floor_rss}",
        "floor req/s before and after the pages: {} / {}".format(*floor["before_after_rps"]),
        f"article page: ETag {checks['article_etag'] or 'none'}, Last-Modified "
        f"{checks['article_last_modified'] or 'none'}, "
        f"Cache-Control {checks['article_cache_control'] or 'none'}",
    ]
    slow = checks.get("slow_clients", {})
    if "requests" in slow:
        extra.append(
            f"slow clients through nginx ({slow['slow_connections']} connections, a header line every "
            f"{slow['line_every_s']} s, {slow['seconds']} s): the reader got {slow['answered_pct']}% of "
            f"{slow['requests']} requests answered, {slow['under_100ms_pct']}% under 100 ms "
            f"(p50 {slow['p50_ms']} ms, p99 {slow['p99_ms']} ms, max {slow['max_ms']} ms); "
            f"slow connections cut by nginx: {slow['slow_connections_cut_by_server']}"
        )
    if explain_rows:
        seq = [
            f"{r['page']} q{r['query']} ({', '.join(r['seq_scans'])})" for r in explain_rows if r["seq_scans"]
        ]
        slowest = max(explain_rows, key=lambda r: r["execution_ms"] or 0)
        extra.append(
            f"EXPLAIN ANALYZE: {len(explain_rows)} queries; Seq Scan on articles/comments: "
            f"{'; '.join(seq) or 'none'}; slowest {slowest['page']} q{slowest['query']} "
            f"{slowest['execution_ms']:.1f} ms (plans in explain.txt)"
        )
    if "while_writing" in results:
        table += "\n\n" + writes.render(results["while_writing"])
    report = "\n".join([header, "", table, "", render_lighthouse(lighthouse_results), "", *extra])
    print("\n" + report + "\n")
    (out / "summary.txt").write_text(report + "\n")
    (out / "results.json").write_text(
        json.dumps(
            {
                "facts": facts,
                "floor": floor,
                "pages": results,
                "checks": checks,
                "lighthouse": lighthouse_results,
                "explain": explain_rows,
            },
            indent=2,
        )
    )
    log(f"results saved in {out.relative_to(ROOT)} ({time.monotonic() - started:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
