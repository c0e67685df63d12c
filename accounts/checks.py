"""Deploy checks for mail the site sends on its own (`manage.py check --deploy`)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.http.request import validate_host


@register(Tags.security, deploy=True)
def site_url_check(app_configs, **kwargs):
    """Links in mail are built from NEWSBLOG_SITE_URL: they must lead to a host the site answers."""
    url = urlsplit(settings.NEWSBLOG_SITE_URL)
    if url.scheme not in ("http", "https") or not url.hostname:
        return [Warning("NEWSBLOG_SITE_URL must be an http(s) address.", id="newsblog.W001")]
    if not validate_host(url.hostname, settings.ALLOWED_HOSTS):
        return [
            Warning(
                f"NEWSBLOG_SITE_URL's host {url.hostname!r} is not in ALLOWED_HOSTS: "
                "links in mail (notifications, unsubscribe) would be refused.",
                hint="Set NEWSBLOG_SITE_URL to the site's public address, e.g. https://news.example.org.",
                id="newsblog.W002",
            )
        ]
    return []
