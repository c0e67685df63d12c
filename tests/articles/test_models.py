from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from articles.models import Article, validate_summary
from tests.factories import image_upload, make_article

pytestmark = pytest.mark.django_db


def test_body_html_is_rendered_and_sanitised_on_save():
    article = make_article(body="Hello **world** <script>alert(1)</script>")
    assert "<strong>world</strong>" in article.body_html
    assert "<script" not in article.body_html


def test_published_excludes_drafts_and_scheduled_articles():
    live = make_article()
    make_article(status=Article.Status.DRAFT)
    make_article(published_at=timezone.now() + timedelta(hours=2))
    assert list(Article.objects.published()) == [live]


def test_scheduled_article_appears_by_itself_when_its_time_comes(monkeypatch):
    soon = timezone.now() + timedelta(minutes=30)
    article = make_article(published_at=soon)
    assert article not in Article.objects.published()
    monkeypatch.setattr(timezone, "now", lambda: soon + timedelta(seconds=1))
    assert article in Article.objects.published()


def test_publishing_without_a_date_publishes_now():
    article = make_article(published_at=None)
    assert article.published_at is not None
    assert article.published_at <= timezone.now()
    assert article.is_public


def test_a_new_article_is_updated_when_it_is_published():
    article = make_article(published_at=timezone.now() - timedelta(days=2))
    assert article.updated_at == article.published_at


def test_an_edit_after_publication_moves_the_updated_date():
    article = make_article(published_at=timezone.now() - timedelta(days=2))
    article.body = "A real correction."
    article.save()
    assert article.updated_at > article.published_at


def test_a_minor_edit_keeps_the_updated_date():
    article = make_article(published_at=timezone.now() - timedelta(days=2))
    before = article.updated_at
    article.body = "Fixed a typo."
    article.save(minor_edit=True)
    article.refresh_from_db()
    assert article.updated_at == before
    assert "Fixed a typo." in article.body_html


@pytest.mark.parametrize(
    ("summary", "message"),
    [
        ("", "at least one"),
        ("\n  \n", "at least one"),
        ("\n".join(f"point {i}" for i in range(8)), "7 points at most"),
        ("ok\n" + "x" * 281, "point 2 is longer"),
    ],
)
def test_summary_must_have_one_to_seven_short_points(summary, message):
    with pytest.raises(ValidationError, match=message):
        validate_summary(summary)


def test_summary_bullets_split_on_lines():
    article = make_article(summary="First\n\n  Second  \nThird")
    assert article.summary_bullets == ["First", "Second", "Third"]


def test_reading_time_counts_words():
    article = make_article(body="word " * 1000)
    assert article.reading_time == 5


def test_lead_image_needs_alt_text():
    article = make_article()
    article.lead_image = image_upload()
    article.lead_image_alt = ""
    with pytest.raises(ValidationError) as excinfo:
        article.full_clean()
    assert "lead_image_alt" in excinfo.value.message_dict


def test_slug_cannot_change_after_first_publication():
    article = make_article()
    article.slug = "a-new-address"
    with pytest.raises(ValidationError) as excinfo:
        article.full_clean()
    assert "slug" in excinfo.value.message_dict


def test_lead_image_gets_webp_renditions_that_are_never_upscaled():
    article = make_article(lead_image=image_upload(size=(1000, 500)), lead_image_alt="A red square")
    widths = [r["width"] for r in article.lead_image_renditions]
    assert widths == [480, 960, 1000]
    assert all(r["name"].endswith(".webp") for r in article.lead_image_renditions)
    assert article.lead_image_renditions[0]["height"] == 240
    assert (article.lead_image_width, article.lead_image_height) == (1000, 500)
    assert "480w" in article.lead_image_srcset
