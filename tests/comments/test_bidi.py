"""What a reader writes is stored as written, joiners and direction controls included; when shown,
every comment and every name sits in its own isolate, so an override never reaches the page."""

import pytest

from comments.models import Comment
from tests.comments.markup import Page
from tests.factories import make_article, make_comment, make_staff, make_user

pytestmark = pytest.mark.django_db

RLO, PDF, LRI, PDI = "\u202e", "\u202c", "\u2066", "\u2069"
ZWJ, ZWNJ, LRM, RLM = "\u200d", "\u200c", "\u200e", "\u200f"

AS_WRITTEN = {
    "emoji-zwj": f"Shipped it \U0001f469{ZWJ}\U0001f4bb and \U0001f3f3\ufe0f{ZWJ}\U0001f308 tonight",
    "persian-zwnj": f"می{ZWNJ}خواهم این مقاله را دوباره بخوانم",
    "arabic": "مقال رائع، شكرا جزيلا على التوضيح",
    "devanagari-zwj": f"क्{ZWJ}ष और हिन्दी",
    "overrides": f"before {RLO}backwards{PDF} after, a joiner{ZWJ}here",
    "isolates-and-marks": f"{LRI}isolated{PDI} and marks{LRM}{RLM} stay",
    "unterminated-override": f"{RLO}this runs backwards to the end",
}


def post_url(article):
    return f"/articles/{article.slug}/comments/"


@pytest.fixture
def reader(client):
    user = make_user(display_name="Rita Reader")
    client.force_login(user)
    return client


def body_shown(html, comment):
    [body] = Page(html).root.by_id(f"comment-{comment.pk}").with_class("comment-body")
    return body


@pytest.mark.parametrize("text", AS_WRITTEN.values(), ids=AS_WRITTEN.keys())
def test_a_comment_is_stored_and_shown_as_written(reader, text):
    article = make_article()
    response = reader.post(post_url(article), {"body": text})
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.body == text
    body = body_shown(reader.get(article.get_absolute_url()).content.decode(), comment)
    assert body.attrs["dir"] == "auto"
    assert body.text.strip() == text


@pytest.mark.parametrize("text", AS_WRITTEN.values(), ids=AS_WRITTEN.keys())
def test_an_edit_is_stored_as_written(reader, text):
    article = make_article()
    reader.post(post_url(article), {"body": "First draft"})
    comment = Comment.objects.get()
    assert reader.post(f"/comments/{comment.pk}/edit/", {"body": text}).status_code == 302
    comment.refresh_from_db()
    assert comment.body == text


def test_controls_that_are_never_text_are_dropped_and_tabs_and_newlines_kept(reader):
    article = make_article()
    reader.post(post_url(article), {"body": "bell\x07 escape\x1b[0m del\x7f nel\x85 tab\there\r\nend"})
    assert Comment.objects.get().body == "bell escape[0m del nel tab\there\nend"


def test_an_unterminated_override_stays_inside_its_comment(client):
    article = make_article()
    flipped = make_comment(article=article, body=f"{RLO}this runs backwards\n\nand so does this")
    after = make_comment(article=article, body="A plain comment after it")
    page = Page(client.get(article.get_absolute_url()).content.decode())
    isolates = page.isolates_around(RLO)
    assert len(isolates) == 1
    [isolate] = isolates
    assert isolate.tag == "div" and isolate.attrs["dir"] == "auto" and "comment-body" in isolate.classes
    assert isolate.parent is page.root.by_id(f"comment-{flipped.pk}")
    # Nothing but the comment is inside the isolate: not its author or time, not the next comment.
    assert " ".join(isolate.text.split()) == f"{RLO}this runs backwards and so does this"
    assert [e.tag for e in isolate.children if not isinstance(e, str)] == ["p", "p"]
    inside = list(isolate.descendants())
    assert page.root.by_id(f"comment-{after.pk}") not in inside
    assert page.root.by_id(f"comment-{flipped.pk}").with_class("comment-time")[0] not in inside


def test_an_override_in_a_link_word_is_shown_as_text_not_a_link(client):
    # Its text would read as another address than the one it opens.
    article = make_article()
    comment = make_comment(article=article, body=f"Log in at https://evil.example/{RLO}moc.knab/ now")
    body = body_shown(client.get(article.get_absolute_url()).content.decode(), comment)
    assert not body.find_all(lambda e: e.tag == "a")
    assert body.text.strip() == comment.body


def test_the_delete_page_isolates_the_comment(reader):
    article = make_article()
    reader.post(post_url(article), {"body": f"{RLO}regretted"})
    comment = Comment.objects.get()
    [isolate] = Page(reader.get(f"/comments/{comment.pk}/delete/").content.decode()).isolates_around(RLO)
    assert isolate.tag == "blockquote" and isolate.attrs["dir"] == "auto"
    assert isolate.text.strip() == comment.body


# Names: display names set in the admin (sign-up refuses overrides) or written right to left.

EVIL = f"{RLO}Eve Evil"
ARABIC = "مها الحربي"


def assert_isolated(html, name, at_least=1):
    """Every place the name is shown, it is the whole text of a <bdi> of its own."""
    isolates = Page(html).isolates_around(name)
    assert len(isolates) >= at_least, html
    for isolate in isolates:
        assert isolate is not None and isolate.tag == "bdi", html
        assert isolate.text == name


@pytest.fixture
def names():
    writer = make_staff(username="maha", display_name=ARABIC)
    eve = make_user(username="eve", display_name=EVIL)
    article = make_article(author=writer, title="Ferry timetable")
    make_article(author=writer, category=article.category, title="Bus timetable")
    top = make_comment(article=article, body="Plain words")
    eves = make_comment(article=article, parent=top, author=eve, body="Eve's reply")
    make_comment(article=article, parent=top, reply_to=eve, body="Answering Eve")
    return {"writer": writer, "eve": eve, "article": article, "eves": eves}


@pytest.mark.parametrize("page_cache", [True, False])
def test_names_are_isolated_on_the_article_page(client, settings, names, page_cache):
    settings.NEWSBLOG_PAGE_CACHE = page_cache
    html = client.get(names["article"].get_absolute_url()).content.decode()
    assert_isolated(html, EVIL, at_least=2)  # the comment's author, "in reply to"
    assert_isolated(html, ARABIC, at_least=2)  # the byline, related reading


def test_names_are_isolated_in_listings_and_on_the_author_page(client, names):
    assert_isolated(client.get("/").content.decode(), ARABIC, at_least=2)
    assert_isolated(client.get(names["writer"].get_absolute_url()).content.decode(), ARABIC)
    make_article(author=names["eve"])  # author pages are for people who publish
    assert_isolated(client.get(names["eve"].get_absolute_url()).content.decode(), EVIL)
    assert_isolated(client.get("/search/", {"q": "timetable"}).content.decode(), ARABIC, at_least=2)


@pytest.mark.parametrize("page_cache", [True, False])
def test_the_account_link_in_the_header_isolates_the_name(client, settings, names, page_cache):
    settings.NEWSBLOG_PAGE_CACHE = page_cache
    client.force_login(names["eve"])
    for _ in range(2):  # rendered, then filled in from the shared copy
        html = client.get(names["article"].get_absolute_url()).content.decode()
        assert_isolated(html, EVIL, at_least=3)
        [account] = Page(html).root.with_class("account-name")
        assert [e.tag for e in account.children] == ["bdi"]


def test_the_reply_form_isolates_the_name(client, names):
    client.force_login(make_user())
    article = names["article"]
    html = client.get(article.get_absolute_url(), {"reply_to": names["eves"].pk}).content.decode()
    assert_isolated(html, EVIL, at_least=4)  # author, "in reply to", the form's title and its help
    assert "Reply to <bdi>" in html
