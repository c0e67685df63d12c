import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_check(**env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_check(DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "newsblog: refusing to start with DJANGO_DEBUG=0: set DJANGO_SECRET_KEY to a random string of at "
        "least 32 characters (not the development key)."
    ]


def test_production_starts_with_a_real_secret_key():
    result = run_check(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 16 + "a-real-random-secret-key-here")
    assert result.returncode == 0, result.stderr


def print_settings(code, **env):
    """Run `code` after django.setup() in a fresh process with these environment variables."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    full_env.update(env, DJANGO_SETTINGS_MODULE="newsblog.settings")
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings; {code}"],
        cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return result.stdout.split()


def test_database_url_selects_postgresql_with_a_short_connect_timeout():
    printed = print_settings(
        "d = settings.DATABASES['default']; "
        "print(d['ENGINE'], d['OPTIONS']['connect_timeout'], d['CONN_HEALTH_CHECKS'], d['CONN_MAX_AGE'])",
        DATABASE_URL="postgres://u:p@db.example:5432/x",
    )
    assert printed == ["newsblog.db", "2", "True", "60"]


@pytest.mark.parametrize(
    ("web", "expected"),
    [("1", ["-c", "statement_timeout=3000", "-c", "lock_timeout=2000"]), ("0", ["none"])],
)
def test_only_web_processes_get_statement_and_lock_timeouts(web, expected):
    printed = print_settings(
        "print(settings.DATABASES['default']['OPTIONS'].get('options', 'none'))",
        DATABASE_URL="postgres://u:p@db.example:5432/x",
        NEWSBLOG_WEB_PROCESS=web,
    )
    assert printed == expected


def test_the_wsgi_application_is_a_web_process_and_manage_py_is_not():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "NEWSBLOG_"))}
    show = "from django.conf import settings; print(settings.DATABASE_STATEMENT_TIMEOUT)"
    code = f"import newsblog.wsgi; {show}"
    web = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    shell = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", show],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert (web.stdout.split(), shell.stdout.split()) == (["3"], ["0"])


def test_redis_url_selects_the_shared_cache_and_cached_sessions():
    printed = print_settings(
        "c = settings.CACHES['default']; print(c['BACKEND'], c['LOCATION'], settings.SESSION_ENGINE)",
        REDIS_URL="redis://cache.example:6379/2",
    )
    assert printed == [
        "django_redis.cache.RedisCache",
        "redis://cache.example:6379/2",
        "django.contrib.sessions.backends.cached_db",
    ]
