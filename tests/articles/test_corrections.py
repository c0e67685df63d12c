"""Public corrections: dated notes on a published article, on its page and in its JSON-LD, added in the
admin, and a cached page shows them at once. Minor edits keep "Updated on"; other edits move it."""

import datetime
import json
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from articles.models import Article, Correction
from tests.factories import article_admin_form, make_article

pytestmark = pytest.mark.django_db


def json_ld(response):
    html = response.content.decode()
    [block] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(block)


def test_article_page_shows_dated_corrections_and_json_ld_carries_them(client):
    article = make_article()
    text = "An earlier version misstated the <vote> count."
    Correction.objects.create(article=article, date=datetime.date(2025, 6, 24), text=text)

    response = client.get(article.get_absolute_url())

    html = response.content.decode()
    assert '<time datetime="2025-06-24">June 24, 2025</time>' in html
    assert "Correction, " in html
    assert "misstated the &lt;vote&gt; count." in html
    assert json_ld(response)["correction"] == [
        {
            "@type": "CorrectionComment",
            "text": "An earlier version misstated the <vote> count.",
            "datePublished": "2025-06-24",
        }
    ]


def test_article_without_corrections_has_none_on_page_or_in_json_ld(client):
    response = client.get(make_article().get_absolute_url())
    assert "Correction," not in response.content.decode()
    assert "correction" not in json_ld(response)


def test_editor_adds_a_correction_in_the_admin_and_the_cached_page_shows_it(client, staff_client):
    article = make_article()
    assert "Correction," not in client.get(article.get_absolute_url()).content.decode()  # now cached

    response = staff_client.post(
        f"/admin/articles/article/{article.pk}/change/",
        article_admin_form(
            article,
            minor_edit="on",
            **{"corrections-TOTAL_FORMS": "1", "corrections-0-date": "2025-06-24"},
            **{"corrections-0-text": "The bridge opens on Sunday, not Monday."},
        ),
    )

    assert response.status_code == 302
    correction = article.corrections.get()
    assert correction.created_by == staff_client.staff
    html = client.get(article.get_absolute_url()).content.decode()
    assert "The bridge opens on Sunday, not Monday." in html


def test_a_correction_alone_invalidates_the_cached_page(client):
    article = make_article()
    client.get(article.get_absolute_url())
    Correction.objects.create(article=article, text="The mayor's name was misspelt.")
    assert "misspelt" in client.get(article.get_absolute_url()).content.decode()


def test_corrections_are_for_published_articles_only(staff_client):
    draft = make_article(status=Article.Status.DRAFT, published_at=None)
    with pytest.raises(ValidationError, match="published articles"):
        Correction(article=draft, text="Nothing to correct yet.").full_clean()
    response = staff_client.get(f"/admin/articles/article/{draft.pk}/change/")
    assert "corrections-TOTAL_FORMS" not in response.content.decode()


def test_minor_edit_keeps_updated_on_and_any_other_edit_moves_it(staff_client):
    article = make_article(published_at=timezone.now() - timedelta(days=2))
    Article.objects.filter(pk=article.pk).update(updated_at=article.published_at)
    article.refresh_from_db()
    updated_on = article.updated_at
    url = f"/admin/articles/article/{article.pk}/change/"

    response = staff_client.post(url, article_admin_form(article, body="Typo fixed.", minor_edit="on"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.updated_at == updated_on

    response = staff_client.post(url, article_admin_form(article, body="A new paragraph with news."))
    assert response.status_code == 302
    article.refresh_from_db()
    assert timezone.now() - article.updated_at < timedelta(minutes=1)
