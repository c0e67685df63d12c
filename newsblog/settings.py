"""newsblog settings: one file, read from environment variables with safe development defaults.

Every variable is listed in the README's configuration table.
"""

import logging
import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url

from newsblog import logs

BASE_DIR = Path(__file__).resolve().parent.parent

DEV_SECRET_KEY = "django-insecure-newsblog-development-key-do-not-use-in-production"  # noqa: S105


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name, "")
    return [item.strip() for item in value.split(",") if item.strip()] or default


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "").strip() or DEV_SECRET_KEY
if not DEBUG and (SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 32):
    # One clear line instead of a traceback: this is the first thing an operator sees.
    sys.stderr.write(
        "newsblog: refusing to start with DJANGO_DEBUG=0: set DJANGO_SECRET_KEY to a random "
        "string of at least 32 characters (not the development key).\n"
    )
    raise SystemExit(1)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

SITE_NAME = os.environ.get("NEWSBLOG_SITE_NAME", "newsblog")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "markdownx",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "django_prometheus",
    "corsheaders",
    # Article revisions (articles/revisions.py).
    "simple_history",
    "pagecache",
    "accounts",
    "articles",
    "comments",
    "api",
    "newsletter",
    # The project itself (top floor): the data commands that compose the apps.
    "newsblog",
]

MIDDLEWARE = [
    # Outside everything, so that pages answered from the cache (and 304s) are counted and timed too.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # First: every request is logged, cached pages and 304s included (newsblog/logs.py).
    "django_structlog.middlewares.RequestMiddleware",
    "newsblog.observability.RequestCostMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "newsblog.security.PermissionsPolicyMiddleware",
    "newsblog.security.RejectNulBytesMiddleware",
    # Outside the page cache: CORS headers depend on each request's Origin, and cached API answers
    # count against the API's rate limit too (api/middleware.py).
    "corsheaders.middleware.CorsMiddleware",
    "api.middleware.ApiThrottleMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise (which serves pre-compressed static files itself): compresses our HTML.
    "django.middleware.gzip.GZipMiddleware",
    "newsblog.middleware.DatabaseUnavailableMiddleware",
    # Serves stored anonymous reader pages before anything below reads the session (pagecache/pages.py).
    "pagecache.pages.PageCacheMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it sees the authenticated user and can refuse locked-out logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsblog.urls"
WSGI_APPLICATION = "newsblog.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.media",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.site",
            ],
        },
    },
]

# Time limits for web requests (newsblog/wsgi.py marks a web process): a slow query, a locked
# table or a hung server costs a reader a 503 within seconds, never a worker. Migrations, the task
# worker and other commands run without them.
WEB_PROCESS = env_bool("NEWSBLOG_WEB_PROCESS", False)
DATABASE_STATEMENT_TIMEOUT = env_int("DATABASE_STATEMENT_TIMEOUT", 3) if WEB_PROCESS else 0
DATABASE_LOCK_TIMEOUT = env_int("DATABASE_LOCK_TIMEOUT", 2)

# Database: SQLite file for a zero-setup first run, DATABASE_URL (PostgreSQL) everywhere else.
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, connecting with a client that stops waiting on a hung server (newsblog/db).
        DATABASES["default"]["ENGINE"] = "newsblog.db"
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {
                # Fail fast when the server is gone: a reader gets a 503 in seconds, never a hang.
                "connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT", 2),
                # A dead peer or a cut network is noticed on a connection that is already open.
                "keepalives": 1,
                "keepalives_idle": 30,
                "keepalives_interval": 10,
                "keepalives_count": 3,
                "tcp_user_timeout": 10_000,
            }
        )
        if WEB_PROCESS and DATABASE_STATEMENT_TIMEOUT:
            statement, lock = DATABASE_STATEMENT_TIMEOUT * 1000, DATABASE_LOCK_TIMEOUT * 1000
            limits = f"-c statement_timeout={statement} -c lock_timeout={lock}"
            DATABASES["default"]["OPTIONS"]["options"] = limits
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            "OPTIONS": {"timeout": 20},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Cache: Redis (shared by every worker and host) when REDIS_URL is set, local memory otherwise.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "newsblog",
            "OPTIONS": {
                # django-redis's client, leaving Redis alone for a few seconds after it failed.
                "CLIENT_CLASS": "pagecache.store.RedisClient",
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
                # Everything in the cache can be rebuilt from the database: an outage is a miss.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    # Sessions are read from Redis and written through to the database: no query to load one.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Reader pages are served from the cache; see pagecache/pages.py.
NEWSBLOG_PAGE_CACHE = env_bool("NEWSBLOG_PAGE_CACHE", True)

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend that reads users from Redis when it is configured (accounts/backends.py).
    "accounts.backends.CachedModelBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "articles:home"
LOGOUT_REDIRECT_URL = "articles:home"

# Login throttling (django-axes): 5 failures for one account or one IP lock it for 15 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# The reader's address: REMOTE_ADDR, or behind DJANGO_PROXY_COUNT trusted reverse proxies the entry
# they added to X-Forwarded-For (accounts/throttling.py). Wrong here, and one proxy address would
# throttle every reader at once.
NEWSBLOG_PROXY_COUNT = env_int("DJANGO_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_ip"
# Off: axes would also delete every failure from the address a success came from. A success clears
# only that account's own failures instead (accounts.throttling.reset_own_failures).
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False
# Sign-up and password-reset limits, per hour (accounts/throttling.py; 0 turns one off): accounts
# made from one client address, account mails of one kind (reset; sign-up confirmation) to one email
# address, and reset or "send the link again" requests from one client address.
SIGNUP_MAX_PER_HOUR_PER_IP = env_int("SIGNUP_MAX_PER_HOUR_PER_IP", 5)
ACCOUNT_MAILS_MAX_PER_HOUR_PER_EMAIL = env_int("ACCOUNT_MAILS_MAX_PER_HOUR_PER_EMAIL", 3)
ACCOUNT_MAILS_MAX_PER_HOUR_PER_IP = env_int("ACCOUNT_MAILS_MAX_PER_HOUR_PER_IP", 10)
# A new account waits this long for its owner to follow the link mailed to them; then it is deleted
# and its username is free again.
SIGNUP_CONFIRM_DAYS = env_int("SIGNUP_CONFIRM_DAYS", 3)
# How long a preview link to an unpublished article works (articles/preview.py).
NEWSBLOG_PREVIEW_HOURS = env_int("NEWSBLOG_PREVIEW_HOURS", 48)

# Dates read in the site's language and time zone ("Published on: June 23, 2025" by default; a
# language's own order elsewhere, "23 juin 2025" in French).
LANGUAGE_CODE = os.environ.get("DJANGO_LANGUAGE_CODE", "en-us")
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
FORMAT_MODULE_PATH = ["newsblog.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 60 * 60 * 24 * 365 if not DEBUG else 0

# Uploads: refuse huge request bodies early; image limits are checked again after decoding.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
NEWSBLOG_IMAGE_MAX_BYTES = 10 * 1024 * 1024
NEWSBLOG_IMAGE_MAX_PIXELS = 8000

# Mail: SMTP when EMAIL_HOST is set, the console otherwise (reset links show in the server log).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip()
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "newsblog <noreply@localhost>")
# Mail is sent by the task worker (accounts/tasks.py), never inside a request: tries and the first
# wait between them (doubled each time).
NEWSBLOG_MAIL_ATTEMPTS = env_int("NEWSBLOG_MAIL_ATTEMPTS", 5)
NEWSBLOG_MAIL_RETRY_SECONDS = env_int("NEWSBLOG_MAIL_RETRY_SECONDS", 60)
# The site's address as readers reach it, for links in mail (a task has no request to ask).
NEWSBLOG_SITE_URL = os.environ.get("NEWSBLOG_SITE_URL", "http://127.0.0.1:8000").strip().rstrip("/")
# Comment notifications wait this long, so a reply hidden meanwhile is never mailed and the replies
# that arrive in the meantime go out together in one mail.
NEWSBLOG_NOTIFICATION_DELAY_SECONDS = env_int("NEWSBLOG_NOTIFICATION_DELAY_SECONDS", 180)

# Newsletter (newsletter/sending.py): the worker mails at most NEWSLETTER_MAX_PER_MINUTE messages a
# minute, NEWSLETTER_BATCH_SIZE per task; a message whose sending was cut off (the worker died) is
# tried again after NEWSLETTER_CLAIM_SECONDS. An address has NEWSLETTER_CONFIRM_DAYS to confirm.
NEWSLETTER_MAX_PER_MINUTE = env_int("NEWSLETTER_MAX_PER_MINUTE", 600)
NEWSLETTER_BATCH_SIZE = env_int("NEWSLETTER_BATCH_SIZE", 100)
NEWSLETTER_CLAIM_SECONDS = env_int("NEWSLETTER_CLAIM_SECONDS", 300)
NEWSLETTER_CONFIRM_DAYS = env_int("NEWSLETTER_CONFIRM_DAYS", 3)

# Background tasks: Django's Tasks API (the django-tasks backport), stored in the database and run
# by `manage.py db_worker` beside gunicorn.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Markdown editing in the admin renders through the site's own sanitising renderer.
MARKDOWNX_MARKDOWNIFY_FUNCTION = "articles.markdown.render_markdown"
MARKDOWNX_URLS_PATH = "/markdownx/markdownify/"
MARKDOWNX_UPLOAD_URLS_PATH = "/markdownx/upload/"
MARKDOWNX_EDITOR_RESIZABLE = False

# Security headers. Production (DEBUG off) gets the strict set; see docs and the README.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "newsblog.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "https:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Logs: one JSON object per line (`DJANGO_LOG_FORMAT=console` for people reading a terminal, the
# default with DEBUG on); every request once, with its id, user, status, duration and query count.
LOGGING = logs.configure(
    level=os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
    json=os.environ.get("DJANGO_LOG_FORMAT", "console" if DEBUG else "json") == "json",
)
# Prometheus metrics at /metrics answer only these addresses (CIDR), as the trusted client address
# (DJANGO_PROXY_COUNT) sees them; everyone else gets a 403.
NEWSBLOG_METRICS_ALLOW = env_list("NEWSBLOG_METRICS_ALLOW", ["127.0.0.1/32", "::1/128"])
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False  # the trusted client address instead (observability.py)
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True  # nginx sets X-Request-ID
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = logging.DEBUG  # one line per request: when it ends

# Comments: at most one every COMMENTS_MIN_INTERVAL_SECONDS and COMMENTS_MAX_PER_HOUR an hour per user.
COMMENTS_MIN_INTERVAL_SECONDS = env_int("COMMENTS_MIN_INTERVAL_SECONDS", 15)
COMMENTS_MAX_PER_HOUR = env_int("COMMENTS_MAX_PER_HOUR", 20)

# Content API (/api/, api/views.py): requests a minute per client address (0 turns the limit off),
# and the origins whose pages may read it from a browser (CORS; none by default, then no CORS headers).
NEWSBLOG_API_REQUESTS_PER_MINUTE = env_int("NEWSBLOG_API_REQUESTS_PER_MINUTE", 120)
NEWSBLOG_API_CORS_ORIGINS = env_list("NEWSBLOG_API_CORS_ORIGINS", [])
CORS_ALLOWED_ORIGINS = NEWSBLOG_API_CORS_ORIGINS
# django-cors-headers acts on the API only, and not at all without origins ("(?!)" matches nothing).
CORS_URLS_REGEX = r"^/api/" if CORS_ALLOWED_ORIGINS else r"(?!)"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_HEADERS = ["if-none-match", "if-modified-since"]
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After"]

# Hardening
# Permissions-Policy (added by newsblog/security.py; Django has no setting): a news blog uses none of
# these browser features, so they are off for the site and anything it could ever embed. Only names
# Chromium recognises (an unknown one is a console error on every page; tests/e2e/test_csp.py checks).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "autoplay", "browsing-topics", "camera", "display-capture", "encrypted-media",
        "geolocation", "gyroscope", "hid", "idle-detection", "magnetometer", "microphone", "midi", "payment",
        "publickey-credentials-get", "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )
}  # fmt: skip
