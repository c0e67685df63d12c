"""Production settings (DJANGO_DEBUG=0), loaded in a fresh process, put every security header on real
responses and mark every cookie Secure, __Host- and SameSite=Lax."""

import json
import secrets
import subprocess
import sys

import pytest

from tests.hardening.servers import ROOT, clean_env

PROBE = """
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.conf import settings
from django.test import Client
from tests.factories import PASSWORD, make_article, make_user

article = make_article()
make_user(username="reader")

def describe(response):
    cookies = {
        name: {key: morsel[key] for key in ("secure", "httponly", "samesite", "path", "domain", "max-age")}
        for name, morsel in response.cookies.items()
    }
    return {"status": response.status_code, "headers": dict(response.headers), "cookies": cookies}

client = Client()
result = {
    "plain_http": describe(client.get("/")),
    "home": describe(client.get("/", secure=True)),
    "article": describe(client.get(article.get_absolute_url(), secure=True)),
    "login_form": describe(client.get("/accounts/login/", secure=True)),
}
token = client.cookies[settings.CSRF_COOKIE_NAME].value
credentials = {"username": "reader", "password": PASSWORD, "csrfmiddlewaretoken": token}
result["login"] = describe(client.post("/accounts/login/", credentials, secure=True))
result["static"] = describe(client.get("/static/css/site.css", secure=True))
result["proxied"] = describe(Client(HTTP_X_FORWARDED_PROTO="https").get("/healthz"))
print("PROBE" + json.dumps(result))
"""

PAGES = ("home", "article", "login_form", "login")


@pytest.fixture(scope="module")
def production(tmp_path_factory, collected_static):
    """Responses from a process that loaded settings exactly as production does."""
    database = tmp_path_factory.mktemp("prod") / "db.sqlite3"
    env = clean_env(
        DJANGO_SETTINGS_MODULE="newsblog.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_SECURE_PROXY_SSL_HEADER="1",
        DATABASE_URL=f"sqlite:///{database}",
        NEWSBLOG_PAGE_CACHE="0",
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("PROBE"))
    return json.loads(line.removeprefix("PROBE"))


def test_plain_http_is_redirected_to_https(production):
    response = production["plain_http"]
    assert response["status"] == 301
    assert response["headers"]["Location"] == "https://testserver/"


def test_https_behind_a_proxy_is_trusted_when_asked(production):
    assert production["proxied"]["status"] == 200


@pytest.mark.parametrize("page", PAGES)
def test_every_page_sends_hsts_for_a_year_with_subdomains(production, page):
    hsts = production[page]["headers"]["Strict-Transport-Security"]
    directives = [part.strip() for part in hsts.split(";")]
    assert int(directives[0].removeprefix("max-age=")) >= 31_536_000
    assert "includeSubDomains" in directives
    assert "preload" in directives


@pytest.mark.parametrize("page", PAGES)
def test_every_page_sends_the_security_headers(production, page):
    headers = production[page]["headers"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in ("same-origin", "strict-origin", "no-referrer")
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_sends_the_strict_csp(production, page):
    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in production[page]["headers"]["Content-Security-Policy"].split(";")
        if directive.strip()
    }
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "https:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert not any("unsafe" in source for sources in policy.values() for source in sources)


@pytest.mark.parametrize("page", [*PAGES, "static"])
def test_every_response_turns_off_unused_browser_features(production, page):
    policy = dict(
        item.strip().split("=", 1) for item in production[page]["headers"]["Permissions-Policy"].split(",")
    )
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
        assert policy[feature] == "()", feature


def test_csrf_cookie_is_secure_host_only_and_lax(production):
    cookie = production["login_form"]["cookies"]["__Host-csrftoken"]
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert cookie["domain"] == ""


def test_session_cookie_is_secure_httponly_host_only_and_lax(production):
    response = production["login"]
    assert response["status"] == 302
    cookie = response["cookies"]["__Host-sessionid"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert cookie["domain"] == ""
    # The login rotated the CSRF token too, under the same strict name.
    assert production["login"]["cookies"]["__Host-csrftoken"]["secure"] is True


def test_no_cookie_leaves_without_the_host_prefix(production):
    for page in PAGES:
        assert all(name.startswith("__Host-") for name in production[page]["cookies"]), page


def test_deploy_checks_pass_with_nothing_silenced():
    env = clean_env(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        DJANGO_ALLOWED_HOSTS="news.example.org",
        NEWSBLOG_SITE_URL="https://news.example.org",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SILENCED_SYSTEM_CHECKS" not in (ROOT / "newsblog" / "settings.py").read_text()


def test_deploy_checks_catch_mail_links_to_a_host_the_site_refuses():
    env = clean_env(
        DJANGO_DEBUG="0", DJANGO_SECRET_KEY=secrets.token_urlsafe(48), DJANGO_ALLOWED_HOSTS="news.example.org"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    assert "newsblog.W002" in result.stderr + result.stdout
