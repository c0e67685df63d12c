"""Staff are marked "Staff" wherever their name is shown, so a reader who takes the same display name
cannot pass for them."""

import pytest

from tests.comments.markup import Page
from tests.factories import make_article, make_comment, make_staff, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return make_staff(username="editor", display_name="The Editor")


@pytest.fixture
def impostor():
    return make_user(username="the-editor", display_name="The Editor")


def comment_in(html, comment):
    return Page(html).root.by_id(f"comment-{comment.pk}")


def header_of(element):
    [header] = element.with_class("comment-meta")
    return header


def badges(element):
    return [badge.text for badge in element.with_class("staff-badge")]


def accessible_name(html, comment):
    """What a screen reader announces for the comment: its aria-labelledby texts."""
    page = Page(html)
    ids = page.root.by_id(f"comment-{comment.pk}").attrs["aria-labelledby"].split()
    return " ".join(page.root.by_id(i).text for i in ids)


def test_a_staff_comment_is_marked_and_a_look_alike_is_not(client, editor, impostor):
    article = make_article(author=editor)
    real = make_comment(article=article, author=editor, body="We have corrected the date.")
    fake = make_comment(article=article, author=impostor, body="We are taking this story down.")
    html = client.get(article.get_absolute_url()).content.decode()
    assert badges(header_of(comment_in(html, real))) == ["Staff"]
    assert badges(header_of(comment_in(html, fake))) == []
    assert accessible_name(html, real) == "The Editor Staff"
    assert accessible_name(html, fake) == "The Editor"


def test_replying_to_staff_names_them_as_staff(client, editor, impostor):
    article = make_article(author=editor)
    top = make_comment(article=article, body="When does the ferry run?")
    answer = make_comment(article=article, parent=top, author=editor, reply_to=top.author, body="At six.")
    to_staff = make_comment(article=article, parent=top, reply_to=editor, body="Thanks, editor.")
    to_impostor = make_comment(article=article, parent=top, reply_to=impostor, body="Thanks, you.")
    staff_thread = make_comment(article=article, author=editor, body="Corrections go here.")
    to_thread = make_comment(article=article, parent=staff_thread, reply_to=editor, body="A typo.")
    html = client.get(article.get_absolute_url()).content.decode()

    [in_reply] = comment_in(html, to_staff).with_class("in-reply-to")
    assert " ".join(in_reply.text.split()) == "in reply to The Editor Staff"
    assert badges(in_reply) == ["Staff"]
    [in_reply] = comment_in(html, to_impostor).with_class("in-reply-to")
    assert " ".join(in_reply.text.split()) == "in reply to The Editor"
    assert badges(in_reply) == []
    # Replying to a thread's own author is said only to screen readers, staff included.
    [hidden] = comment_in(html, to_thread).with_class("visually-hidden")
    assert " ".join(hidden.text.split()) == "in reply to The Editor (Staff)"
    assert badges(header_of(comment_in(html, answer))) == ["Staff"]


def test_bylines_mark_staff_authors(client, editor):
    article = make_article(author=editor, title="Ferry timetable")
    make_article(author=editor, category=article.category, title="Bus timetable")
    former = make_user(display_name="Former Writer")
    by_former = make_article(author=former, category=article.category, title="Tram timetable")

    def bylines(url, **params):
        page = Page(client.get(url, params).content.decode())
        return [" ".join(byline.text.split()) for byline in page.root.with_class("byline")]

    detail = bylines(article.get_absolute_url())
    assert detail[0] == "By The Editor @editor Staff"
    assert "The Editor Staff · " in " ".join(detail[1:])  # related reading
    assert "Former Writer ·" in " ".join(detail[1:]) and "Former Writer Staff" not in " ".join(detail)
    for listing in (bylines("/"), bylines("/search/", q="timetable")):
        assert sum(line.startswith("By The Editor Staff · ") for line in listing) == 2
        assert sum(line.startswith("By Former Writer · ") for line in listing) == 1
    assert bylines(by_former.get_absolute_url())[0] == "By Former Writer @" + former.username
    author_page = Page(client.get(editor.get_absolute_url()).content.decode())
    assert " ".join(author_page.root.by_id("listing-title").text.split()) == "The Editor Staff"


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_badge_follows_staff_status_through_the_cached_comment_list(client, settings, signed_in):
    settings.NEWSBLOG_PAGE_CACHE = True
    if signed_in:
        client.force_login(make_user())
    writer = make_user(display_name="New Hire")
    article = make_article()
    comment = make_comment(article=article, author=writer)

    def shown():
        return badges(header_of(comment_in(client.get(article.get_absolute_url()).content.decode(), comment)))

    assert shown() == [] and shown() == []  # rendered, then served from the cache
    writer.is_staff = True
    writer.save()
    assert shown() == ["Staff"] and shown() == ["Staff"]
    writer.is_staff = False
    writer.save()
    assert shown() == []
