"""Preview links: a signed, expiring address that shows an unpublished article to someone without an
account. The link carries only the article's id and the time it was made, signed with the site's
secret key; it works for `NEWSBLOG_PREVIEW_HOURS` and shows the article as it is when opened."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

SALT = "articles.preview"


def preview_token(article):
    return signing.dumps(article.pk, salt=SALT)


def preview_path(article):
    return reverse("articles:preview", args=[preview_token(article)])


def preview_expires_at():
    """When a link made now stops working."""
    return timezone.now() + timedelta(hours=settings.NEWSBLOG_PREVIEW_HOURS)


def article_id_from(token):
    """The article id a token names. Raises signing.SignatureExpired when it is too old and
    signing.BadSignature when it was not made by this site (or was altered)."""
    article_id = signing.loads(token, salt=SALT, max_age=timedelta(hours=settings.NEWSBLOG_PREVIEW_HOURS))
    if not isinstance(article_id, int):
        raise signing.BadSignature("Not a preview token.")
    return article_id
