"""Page metadata: canonical URLs, descriptions, Open Graph, Twitter cards and JSON-LD NewsArticle."""

import json
import re
from html.parser import HTMLParser

import pytest

from articles.roles import WRITER
from tests.factories import image_upload, make_article, make_category, make_member, make_staff, make_user

pytestmark = pytest.mark.django_db
BASE = "http://testserver"


class HeadParser(HTMLParser):
    """Collects <meta>, <link> and the JSON-LD blocks of a page."""

    def __init__(self):
        super().__init__()
        self.meta, self.links, self.json_ld, self._in_ld = {}, [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and "content" in attrs:
            self.meta[attrs.get("property") or attrs.get("name")] = attrs["content"]
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_ld = True
            self.json_ld.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_ld = False

    def handle_data(self, data):
        if self._in_ld:
            self.json_ld[-1] += data

    def canonical(self):
        return [link["href"] for link in self.links if link.get("rel") == "canonical"]


def head(client, url):
    response = client.get(url)
    assert response.status_code == 200
    parser = HeadParser()
    parser.feed(response.content.decode())
    return parser


def test_article_page_metadata_with_a_lead_image(client):
    author = make_user(username="ada", display_name="Ada Writer", is_staff=True)
    article = make_article(
        title="Harbour reopens",
        author=author,
        category=make_category(name="City"),
        summary="The harbour reopened.\nFerries run hourly.",
        lead_image=image_upload(size=(1200, 800)),
        lead_image_alt="Boats in the harbour",
    )
    page = head(client, article.get_absolute_url())
    url = BASE + article.get_absolute_url()
    assert page.canonical() == [url]
    assert page.meta["description"] == "The harbour reopened. Ferries run hourly."
    assert page.meta["og:type"] == "article"
    assert page.meta["og:title"] == "Harbour reopens"
    assert page.meta["og:description"] == "The harbour reopened. Ferries run hourly."
    assert page.meta["og:url"] == url
    assert page.meta["og:image"] == BASE + article.lead_image.url
    assert (page.meta["og:image:width"], page.meta["og:image:height"]) == ("1200", "800")
    assert page.meta["article:published_time"] == article.published_at.isoformat()
    assert page.meta["article:modified_time"] == article.updated_at.isoformat()
    assert page.meta["article:author"] == BASE + "/authors/ada/"
    assert page.meta["article:section"] == "City"
    assert page.meta["twitter:card"] == "summary_large_image"
    assert page.meta["twitter:image"] == BASE + article.lead_image.url


def test_article_without_image_gets_a_summary_card(client):
    article = make_article()
    page = head(client, article.get_absolute_url())
    assert page.meta["twitter:card"] == "summary"
    assert "og:image" not in page.meta


def test_json_ld_news_article(client):
    author = make_user(username="ada", display_name="Ada Writer", is_staff=True)
    article = make_article(
        title="Harbour reopens",
        author=author,
        summary="The harbour reopened.\nFerries run hourly.",
        lead_image=image_upload(),
        lead_image_alt="Boats",
    )
    [block] = head(client, article.get_absolute_url()).json_ld
    data = json.loads(block)
    url = BASE + article.get_absolute_url()
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Harbour reopens"
    assert data["abstract"] == "The harbour reopened.\nFerries run hourly."
    assert data["datePublished"] == article.published_at.isoformat()
    assert data["dateModified"] == article.updated_at.isoformat()
    assert data["author"] == {"@type": "Person", "name": "Ada Writer", "url": BASE + "/authors/ada/"}
    assert data["publisher"]["@type"] == "Organization"
    assert data["publisher"]["name"] == "newsblog"
    assert data["image"] == [BASE + article.lead_image.url]
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert data["commentCount"] == 0


def test_json_ld_reads_comment_count_when_present(rf):
    from articles.views import article_json_ld

    article = make_article()
    article.comment_count = 7
    data = article_json_ld(rf.get("/"), article, url="u", image_url="")
    assert data["commentCount"] == 7


def test_a_script_closing_title_cannot_break_out_of_json_ld(client):
    title = "</script><script>alert(1)</script> & <!-- more"
    article = make_article(title=title)
    response = client.get(article.get_absolute_url())
    content = response.content.decode()
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', content, re.DOTALL).group(1)
    assert "<" not in ld and ">" not in ld and "&" not in ld
    assert json.loads(ld)["headline"] == title
    assert "<script>alert(1)" not in content


def test_draft_preview_is_noindex(client):
    staff = make_member(WRITER)  # the article's own writer
    article = make_article(status="draft", published_at=None, author=staff)
    client.force_login(staff)
    assert head(client, article.get_absolute_url()).meta["robots"] == "noindex"


@pytest.mark.parametrize("page_number", [1, 2])
def test_listing_pages_are_canonical_to_themselves(client, page_number):
    category, author = make_category(name="City"), make_staff(username="ada", display_name="Ada")
    for _ in range(11):
        make_article(category=category, author=author)
    for path in ("/", category.get_absolute_url(), author.get_absolute_url()):
        query = f"?page={page_number}" if page_number > 1 else ""
        page = head(
            client, path + (f"?page={page_number}&utm_source=x" if page_number > 1 else "?utm_source=x")
        )
        assert page.canonical() == [BASE + path + query]
        assert page.meta["og:url"] == BASE + path + query
        assert page.meta["description"]


def test_listing_titles_and_descriptions(client):
    category = make_category(name="City", description="News from the city.")
    author = make_staff(display_name="Ada Writer")
    make_article(category=category, author=author)
    assert head(client, "/").meta["description"] == "The latest news on newsblog."
    assert head(client, category.get_absolute_url()).meta["description"] == "News from the city."
    assert head(client, category.get_absolute_url()).meta["og:title"] == "City"
    assert (
        head(client, author.get_absolute_url()).meta["description"] == "Articles by Ada Writer on newsblog."
    )
    assert "<title>City · newsblog</title>" in client.get(category.get_absolute_url()).content.decode()
