"""Dates as the design shows them: "Published on: June 23, 2025" and "Updated on: June 23, 2025",
both always, in the site's language and time zone, each with a machine-readable <time datetime>."""

import json
from datetime import UTC, datetime

import pytest
from django.utils import translation

from articles.models import Article
from tests.discovery.test_metadata import head
from tests.factories import make_article

# Settings change between tests: render every page.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]

PUBLISHED = datetime(2025, 6, 24, 2, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def language_from_settings():
    yield
    translation.deactivate()  # the next test reads its own settings' language


@pytest.fixture
def article():
    return make_article(title="Summit ends", published_at=PUBLISHED)


def test_both_dates_show_even_when_equal(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'Published on: <time datetime="2025-06-24T02:30:00+00:00">June 24, 2025</time>' in html
    assert 'Updated on: <time datetime="2025-06-24T02:30:00+00:00">June 24, 2025</time>' in html


def test_an_update_moves_only_the_updated_date(client, article):
    edited = datetime(2025, 9, 3, 10, 0, tzinfo=UTC)
    Article.objects.filter(pk=article.pk).update(updated_at=edited)
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'Published on: <time datetime="2025-06-24T02:30:00+00:00">June 24, 2025</time>' in html
    assert 'Updated on: <time datetime="2025-09-03T10:00:00+00:00">September 3, 2025</time>' in html


def test_dates_are_in_the_sites_time_zone(client, article, settings):
    settings.TIME_ZONE = "America/New_York"
    html = client.get(article.get_absolute_url()).content.decode()
    # 02:30 UTC on the 24th is still the evening of the 23rd in New York.
    assert 'Published on: <time datetime="2025-06-23T22:30:00-04:00">June 23, 2025</time>' in html
    card = client.get(article.category.get_absolute_url()).content.decode()
    assert '<time datetime="2025-06-23T22:30:00-04:00">June 23, 2025</time>' in card
    # Machines get the same instant, whatever the zone it is written in.
    data = json.loads(head(client, article.get_absolute_url()).json_ld[0])
    assert datetime.fromisoformat(data["datePublished"]) == PUBLISHED


def test_dates_are_in_the_sites_language(client, article, settings):
    settings.LANGUAGE_CODE = "fr"
    translation.deactivate()  # as in a fresh worker: the language is the setting
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<html lang="fr">' in html
    assert 'Published on: <time datetime="2025-06-24T02:30:00+00:00">24 juin 2025</time>' in html


def test_british_english_reads_day_first(client, article, settings):
    settings.LANGUAGE_CODE = "en-gb"
    translation.deactivate()
    html = client.get(article.get_absolute_url()).content.decode()
    assert ">24 Jun 2025</time>" in html


def test_list_cards_show_the_same_date_as_the_article(client, article):
    html = client.get("/").content.decode()
    assert '<time datetime="2025-06-24T02:30:00+00:00">June 24, 2025</time>' in html
