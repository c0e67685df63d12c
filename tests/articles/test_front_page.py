"""The front page: a lead story, a grid of the next stories, then a block per section."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.front import MAX_SECTIONS, SECTION_SIZE
from articles.models import Article
from tests.factories import image_upload, make_article, make_category, make_staff

pytestmark = pytest.mark.django_db


def hours_ago(hours):
    return timezone.now() - timedelta(hours=hours)


def with_image():
    return {"lead_image": image_upload(), "lead_image_alt": "Harbour cranes at dusk"}


def test_newest_story_with_an_image_leads_large_and_the_rest_follow_in_a_grid(client):
    section = make_category(name="City")
    newest = make_article(title="No picture, but newest", category=section, published_at=hours_ago(1))
    pictured = make_article(
        title="Cranes return to the harbour", category=section, published_at=hours_ago(2), **with_image()
    )
    older = make_article(title="An older story", category=section, published_at=hours_ago(3))
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["lead"] == pictured
    assert response.context["stories"] == [newest, older]
    html = response.content.decode()
    lead = html[html.index('class="lead-story"') : html.index('class="card-grid"')]
    assert f'<h2 class="lead-story-title"><a href="{pictured.get_absolute_url()}">' in lead
    assert 'fetchpriority="high"' in lead and "First point of the story." in lead
    grid = html[html.index('class="card-grid"') :]
    assert grid.index("No picture, but newest") < grid.index("An older story")
    # The story without a picture keeps the grid's rhythm with a plain panel in the picture's place.
    assert 'class="card-image card-image-blank" aria-hidden="true"' in grid


def test_without_any_picture_the_newest_story_leads(client):
    newest = make_article(title="Newest", published_at=hours_ago(1))
    make_article(title="Older", published_at=hours_ago(2))
    response = client.get("/")
    assert response.context["lead"] == newest
    assert 'class="lead-story lead-story-no-image"' in response.content.decode()


def test_section_blocks_show_each_sections_newest_stories_not_already_on_top(client):
    author = make_staff()
    city, science, empty = (make_category(name=n) for n in ("City", "Science", "Empty section"))
    for i in range(10):  # the ten newest fill the top of the page
        make_article(title=f"Top story {i}", category=city, author=author, published_at=hours_ago(i + 1))
    for i in range(SECTION_SIZE + 2):
        make_article(title=f"Older city {i}", category=city, author=author, published_at=hours_ago(20 + i))
        make_article(title=f"Science {i}", category=science, author=author, published_at=hours_ago(30 + i))
    make_article(title="Draft science", category=science, status=Article.Status.DRAFT)
    response = client.get("/")
    blocks = {block["category"].name: block["articles"] for block in response.context["sections"]}
    assert list(blocks) == ["City", "Science"]  # menu order; nothing for the empty section
    assert [a.title for a in blocks["City"]] == [f"Older city {i}" for i in range(SECTION_SIZE)]
    assert [a.title for a in blocks["Science"]] == [f"Science {i}" for i in range(SECTION_SIZE)]
    html = response.content.decode()
    assert '<h2 id="section-' in html and f'href="{science.get_absolute_url()}">All in Science' in html
    assert "Draft science" not in html and "Empty section" not in html.split("</header>", 1)[1]
    assert empty.get_absolute_url() not in html


def test_only_the_first_six_sections_of_the_menu_get_a_block(client):
    author = make_staff()
    top = make_category(name="Top")
    for i in range(10):
        make_article(category=top, author=author, published_at=hours_ago(i))
    for n in range(MAX_SECTIONS + 3):
        section = make_category(name=f"Section {n:02d}")
        make_article(category=section, author=author, published_at=hours_ago(20 + n))
    sections = client.get("/").context["sections"]
    # A to Z: "Section 00" to "Section 05"; "Top" and the last three sections get no block.
    assert [block["category"].name for block in sections] == [f"Section {n:02d}" for n in range(6)]


def test_later_pages_are_the_plain_list_and_page_one_is_the_front_page(client):
    author, section = make_staff(), make_category()
    for i in range(12):
        make_article(title=f"Story {i:02d}", category=section, author=author, published_at=hours_ago(i + 1))
    assert "articles/front_page.html" in [t.name for t in client.get("/?page=1").templates]
    second = client.get("/?page=2")
    assert "articles/article_list.html" in [t.name for t in second.templates]
    assert "Latest news, page 2" in second.content.decode()
    assert client.get("/?page=3").status_code == 404


def test_front_page_without_articles_says_so(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "No articles yet." in response.content.decode()
    assert "More news" not in response.content.decode()
