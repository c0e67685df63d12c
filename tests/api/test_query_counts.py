"""Every API answer runs a fixed number of queries, however many rows its page holds."""

import pytest

from tests.factories import image_upload, make_article, make_category, make_staff, make_tag

# Counts what building the answer costs, so the page cache is off here (cached hits: test_cache.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]


def make_articles(count):
    sections, authors, tags = [make_category() for _ in range(3)], [make_staff() for _ in range(3)], []
    for i in range(count):
        image = {"lead_image": image_upload(size=(64, 48)), "lead_image_alt": "A photo"} if i % 5 == 0 else {}
        article = make_article(category=sections[i % 3], author=authors[i % 3], **image)
        tags.append(make_tag())
        article.tags.add(*tags[-3:])
    return sections[0], authors[0], tags[-1]


@pytest.mark.parametrize("count", [3, 40])
def test_article_list_queries_do_not_grow(client, django_assert_num_queries, count):
    make_articles(count)
    # articles + authors + sections, their tags
    with django_assert_num_queries(2):
        response = client.get("/api/articles/?limit=100")
    assert len(response.json()["results"]) == count


@pytest.mark.parametrize("count", [6, 60])
def test_filtered_article_list_queries_do_not_grow(client, django_assert_num_queries, count):
    section, author, _ = make_articles(count)
    # the section, the author, then articles + authors + sections, their tags
    with django_assert_num_queries(4):
        response = client.get(f"/api/articles/?category={section.slug}&author={author.username}")
    assert len(response.json()["results"]) == count // 3


def test_tag_filter_costs_one_query(client, django_assert_num_queries):
    *_, tag = make_articles(5)
    # the tag, articles + authors + sections, their tags
    with django_assert_num_queries(3):
        assert client.get(f"/api/articles/?tag={tag.slug}").status_code == 200


def test_article_detail_query_budget(client, django_assert_num_queries):
    article = make_article(lead_image=image_upload(), lead_image_alt="A photo")
    article.tags.add(make_tag(), make_tag())
    # article + author + section, its tags
    with django_assert_num_queries(2):
        assert client.get(f"/api/articles/{article.slug}/").status_code == 200


@pytest.mark.parametrize("url", ["/api/categories/", "/api/tags/", "/api/authors/"])
@pytest.mark.parametrize("count", [3, 30])
def test_other_lists_cost_one_query(client, django_assert_num_queries, url, count):
    make_articles(count)
    # the page of rows (with the published-article check in the same query)
    with django_assert_num_queries(1):
        assert client.get(f"{url}?limit=100").status_code == 200
