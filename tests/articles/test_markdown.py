import importlib
from types import SimpleNamespace

import pytest

from articles.markdown import BODY_MAX_LENGTH, MAX_NESTING, MarkdownTooComplex, render_markdown
from articles.models import Article
from tests.factories import make_category, make_staff


def test_markdown_renders_the_elements_a_story_uses():
    html = render_markdown(
        "## Heading\n\nSome *emphasis* and **strong** text.\n\n- one\n- two\n\n1. first\n\n"
        "> a quote\n\n```python\nprint('hi')\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "[link](https://example.org) ![alt text](https://example.org/i.png)"
    )
    for fragment in (
        "<h2>Heading</h2>",
        "<em>emphasis</em>",
        "<strong>strong</strong>",
        "<ul>",
        "<ol>",
        "<blockquote>",
        '<code class="language-python">',
        "<table>",
        '<a href="https://example.org" rel="noopener">link</a>',
        '<img src="https://example.org/i.png" alt="alt text">',
    ):
        assert fragment in html


def test_script_tags_are_removed_with_their_content():
    html = render_markdown("Hello <script>alert('x')</script> world")
    assert "<script" not in html
    assert "alert" not in html


def test_event_handlers_and_styles_are_stripped():
    html = render_markdown(
        '<a href="/x" onclick="steal()" style="color:red">x</a><img src="/i.png" onerror="x()">'
    )
    assert "onclick" not in html
    assert "onerror" not in html
    assert "style" not in html


def test_javascript_and_data_urls_are_dropped():
    html = render_markdown(
        "[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) ![c](data:image/png;base64,AAAA) "
        '<a href="vbscript:msgbox(1)">d</a> <iframe src="https://evil.example"></iframe>'
    )
    lowered = html.lower()
    assert "javascript:" not in lowered
    assert "data:" not in lowered
    assert "vbscript:" not in lowered
    assert "<iframe" not in lowered


def test_external_links_get_rel_noopener():
    assert 'rel="noopener"' in render_markdown("[x](https://elsewhere.example)")


def test_markdown_renders_the_github_extensions_editors_use():
    html = render_markdown(
        "~~struck~~ www.example.org and https://example.com/a?b=1\n\n"
        "| left | right |\n|:-----|------:|\n| 1 | 2 |\n\n"
        "A claim.[^source]\n\n[^source]: The report, page 4."
    )
    for fragment in (
        "<del>struck</del>",
        '<a href="http://www.example.org" rel="noopener">www.example.org</a>',
        '<a href="https://example.com/a?b=1" rel="noopener">https://example.com/a?b=1</a>',
        '<th align="left">left</th>',
        '<td align="right">2</td>',
        '<sup><a href="#fn-source" rel="noopener">1</a></sup>',
        "The report, page 4.",
    ):
        assert fragment in html


def test_well_formed_raw_html_on_the_allow_list_is_kept():
    html = render_markdown(
        'H<sub>2</sub>O, <kbd>Ctrl</kbd> and <abbr title="World Health Organization">WHO</abbr>.\n\n'
        '<figure><img src="/media/a.jpg" alt="A bridge"><figcaption>The new bridge.</figcaption></figure>'
    )
    for fragment in (
        "H<sub>2</sub>O",
        "<kbd>Ctrl</kbd>",
        '<abbr title="World Health Organization">WHO</abbr>',
        '<figure><img src="/media/a.jpg" alt="A bridge"><figcaption>The new bridge.</figcaption></figure>',
    ):
        assert fragment in html


def test_misnested_raw_html_is_left_out_and_its_text_kept():
    # Open formatting tags never closed: the HTML parser would copy them into every later paragraph.
    html = render_markdown("<b title=1><b title=2>Bold?\n\n" + "Next paragraph.\n\n" * 3)
    assert "<b" not in html
    assert html.count("<p>Next paragraph.</p>") == 3
    assert "Bold?" in html


def test_nesting_deeper_than_the_limit_is_refused_with_the_reason():
    assert "<blockquote>" in render_markdown("> " * 10 + "Quoted.")
    with pytest.raises(MarkdownTooComplex, match=f"nested more than {MAX_NESTING} levels"):
        render_markdown("> " * (MAX_NESTING + 1) + "Quoted.")


def admin_form(staff, body):
    return {
        "title": "Council votes on cycle lanes",
        "slug": "council-votes-on-cycle-lanes",
        "author": staff.pk,
        "category": make_category().pk,
        "summary": "The vote is on Tuesday.",
        "body": body,
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
    }


@pytest.mark.django_db
def test_admin_refuses_a_body_over_the_limit_with_a_clear_error(staff_client):
    body = "word " * (BODY_MAX_LENGTH // 5) + "over"
    response = staff_client.post("/admin/articles/article/add/", admin_form(staff_client.staff, body))
    assert response.status_code == 200
    assert f"Keep the body to {BODY_MAX_LENGTH:,} characters at most (it has {len(body)})" in (
        response.content.decode()
    )
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_admin_refuses_a_body_nested_too_deep_and_says_why(staff_client):
    body = "> " * 200 + "Quoted."
    response = staff_client.post("/admin/articles/article/add/", admin_form(staff_client.staff, body))
    assert response.status_code == 200
    assert f"nested more than {MAX_NESTING} levels deep" in response.content.decode()
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_admin_saves_a_body_of_exactly_the_limit(staff_client):
    body = ("A sentence of ordinary prose. " * (BODY_MAX_LENGTH // 30 + 1))[:BODY_MAX_LENGTH]
    response = staff_client.post("/admin/articles/article/add/", admin_form(staff_client.staff, body))
    assert response.status_code == 302
    assert Article.objects.get().body_html.startswith("<p>A sentence of ordinary prose.")


@pytest.mark.django_db
def test_preview_refuses_a_body_over_the_limit_with_413(staff_client):
    response = staff_client.post("/markdownx/markdownify/", {"content": "x" * (BODY_MAX_LENGTH + 1)})
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == (
        f"Too long to preview: the body has {BODY_MAX_LENGTH + 1:,} characters; "
        f"the limit is {BODY_MAX_LENGTH:,}."
    )


@pytest.mark.django_db
def test_preview_refuses_a_body_nested_too_deep_with_400(staff_client):
    response = staff_client.post("/markdownx/markdownify/", {"content": ">" * 1000})
    assert response.status_code == 400
    assert f"nested more than {MAX_NESTING} levels deep" in response.content.decode()


@pytest.mark.django_db
def test_preview_renders_the_bracket_body_that_timed_out_workers(staff_client):
    content = "[" * (BODY_MAX_LENGTH // 2) + "](" * (BODY_MAX_LENGTH // 4)
    response = staff_client.post("/markdownx/markdownify/", {"content": content})
    assert response.status_code == 200
    assert response.content.decode().startswith("<p>[[[")


@pytest.mark.django_db
def test_migration_renders_stored_bodies_again_and_keeps_what_it_would_refuse():
    from django.apps import apps
    from django.db import connection

    render_again = importlib.import_module("articles.migrations.0006_body_limit").render_again
    author, category = make_staff(), make_category()
    fresh = Article(title="A", slug="a", author=author, category=category, summary="One.", body="~~old~~")
    # Saved before the limit existed (bulk_create skips save(), which would refuse to render it).
    deep = Article(title="B", slug="b", author=author, category=category, summary="One.", body="> " * 100)
    fresh.save()
    Article.objects.bulk_create([deep])
    Article.objects.update(body_html="<p>from the old renderer</p>")
    modified_at = dict(Article.objects.values_list("pk", "modified_at"))

    render_again(apps, SimpleNamespace(connection=connection))

    fresh.refresh_from_db()
    assert fresh.body_html == "<p><del>old</del></p>\n"
    assert Article.objects.get(slug="b").body_html == "<p>from the old renderer</p>"
    assert dict(Article.objects.values_list("pk", "modified_at")) == modified_at
