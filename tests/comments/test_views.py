from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from tests.factories import make_article, make_comment, make_user

pytestmark = pytest.mark.django_db


def post_url(article):
    return f"/articles/{article.slug}/comments/"


@pytest.fixture
def reader(client):
    user = make_user(display_name="Rita Reader")
    client.force_login(user)
    client.user = user
    return client


# Reading


def test_anyone_reads_comments_oldest_first_with_count(client):
    article = make_article()
    make_comment(article=article, body="First!", created_at=timezone.now() - timedelta(hours=3))
    make_comment(article=article, body="Second.", created_at=timezone.now() - timedelta(hours=1))
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Comments (2)" in html
    assert html.index("First!") < html.index("Second.")
    assert 'title="' in html and "3\xa0hours ago" in html
    assert "Log in to leave a comment" in html
    assert f"/accounts/login/?next={article.get_absolute_url()}%23comments" in html
    assert 'name="body"' not in html


def test_signed_in_reader_sees_the_form_not_the_login_prompt(reader):
    html = reader.get(make_article().get_absolute_url()).content.decode()
    assert "Log in to leave a comment" not in html
    assert '<label for="id_body">Your comment</label>' in html
    assert "Post comment" in html


def test_hidden_and_removed_comments_show_a_notice_and_keep_their_replies(client):
    article = make_article()
    hidden = make_comment(article=article, body="Rude words", state=Comment.State.HIDDEN)
    removed = make_comment(article=article, body="Regretted", state=Comment.State.REMOVED)
    make_comment(article=article, parent=hidden, body="A reply that stays")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "This comment was hidden by a moderator" in html
    assert "This comment was deleted by its author" in html
    assert "Rude words" not in html and "Regretted" not in html
    assert "A reply that stays" in html
    assert "Comments (1)" in html
    assert removed.pk


def test_comments_paginate_after_fifty_threads(client):
    article = make_article()
    author = make_user()
    start = timezone.now() - timedelta(days=1)
    for i in range(51):
        make_comment(
            article=article, author=author, body=f"Thread {i:02d}", created_at=start + timedelta(minutes=i)
        )
    first = client.get(article.get_absolute_url()).content.decode()
    assert "Thread 00" in first and "Thread 49" in first and "Thread 50" not in first
    assert f"{article.get_absolute_url()}?comments=2#comments" in first
    second = client.get(article.get_absolute_url(), {"comments": 2}).content.decode()
    assert "Thread 50" in second and "Thread 00" not in second
    for bad in ("3", "0", "x"):
        assert client.get(article.get_absolute_url(), {"comments": bad}).status_code == 404


def test_list_pages_show_comment_counts(client):
    article = make_article(title="Busy story")
    make_comment(article=article)
    make_comment(article=article)
    make_comment(article=article, state=Comment.State.HIDDEN)
    assert "2 comments" in client.get("/").content.decode()


# Posting


def test_posting_redirects_to_the_new_comment_anchor(reader):
    article = make_article()
    response = reader.post(post_url(article), {"body": "  Great piece.\r\nThanks!  "})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{article.get_absolute_url()}#comment-{comment.pk}"
    assert comment.body == "Great piece.\nThanks!"
    assert comment.author == reader.user
    page = reader.get(response["Location"]).content.decode()
    assert f'id="comment-{comment.pk}"' in page and "Rita Reader" in page


def test_posting_requires_login_and_keeps_the_text_for_after(client):
    article = make_article()
    response = client.post(post_url(article), {"body": "My long thoughts"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert not Comment.objects.exists()
    user = make_user()
    client.force_login(user)  # keeps the session, as a real log-in does
    html = client.get(article.get_absolute_url()).content.decode()
    assert "My long thoughts</textarea>" in html
    html = client.get(article.get_absolute_url()).content.decode()
    assert "My long thoughts</textarea>" not in html


def test_reply_attaches_to_the_top_level_comment(reader):
    article = make_article()
    top = make_comment(article=article)
    first_reply = make_comment(article=article, parent=top, author=make_user(display_name="Bo"))
    reader.post(post_url(article), {"body": "Replying to Bo", "parent": first_reply.pk})
    reply = Comment.objects.get(body="Replying to Bo")
    assert reply.parent == top
    assert reply.reply_to == first_reply.author
    html = reader.get(article.get_absolute_url()).content.decode()
    assert '<span class="in-reply-to">in reply to <bdi>Bo</bdi></span>' in html


def test_reply_link_opens_the_form_with_the_parent_set(reader):
    article = make_article()
    top = make_comment(article=article, author=make_user(display_name="Cleo"))
    html = reader.get(article.get_absolute_url(), {"reply_to": top.pk}).content.decode()
    assert "Reply to Cleo" in html
    assert f'name="parent" value="{top.pk}"' in html


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write something before posting."),
        ("   \n\t  ", "Write something before posting."),
        ("\x07\x08", "Write something before posting."),
        ("x" * 5001, "at most 5,000 characters"),
        ("nul\x00byte", "Null characters are not allowed."),
    ],
)
def test_bad_bodies_are_refused_with_a_message_and_nothing_saved(reader, body, message):
    response = reader.post(post_url(make_article()), {"body": body})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Comment.objects.exists()


def test_a_5000_character_comment_is_fine(reader):
    assert reader.post(post_url(make_article()), {"body": "x" * 5000}).status_code == 302


@pytest.mark.parametrize("parent", ["other-article", "missing", "not-a-number", "-5"])
def test_bad_parents_are_refused(reader, parent):
    article = make_article()
    values = {"other-article": make_comment().pk, "missing": 999999, "not-a-number": "abc", "-5": -5}
    response = reader.post(post_url(article), {"body": "Hello", "parent": values[parent]})
    assert response.status_code == 400
    assert Comment.objects.filter(article=article).count() == 0


@pytest.mark.parametrize("kind", ["draft", "scheduled", "unknown"])
def test_posting_to_unpublished_or_unknown_articles_is_404(reader, kind):
    slug = "nope"
    if kind == "draft":
        slug = make_article(status=Article.Status.DRAFT).slug
    elif kind == "scheduled":
        slug = make_article(published_at=timezone.now() + timedelta(days=1)).slug
    assert reader.post(f"/articles/{slug}/comments/", {"body": "Hi"}).status_code == 404
    assert not Comment.objects.exists()


def test_closed_articles_refuse_comments(reader):
    article = make_article(comments_enabled=False)
    html = reader.get(article.get_absolute_url()).content.decode()
    assert "Comments are closed" in html and "Post comment" not in html
    response = reader.post(post_url(article), {"body": "Let me in"})
    assert response.status_code == 403
    assert "Comments are closed" in response.content.decode()
    assert not Comment.objects.exists()


def test_comments_close_n_days_after_publishing(reader):
    article = make_article(published_at=timezone.now() - timedelta(days=8), comments_close_after_days=7)
    assert reader.post(post_url(article), {"body": "Too late"}).status_code == 403
    fresh = make_article(published_at=timezone.now() - timedelta(days=2), comments_close_after_days=7)
    assert reader.post(post_url(fresh), {"body": "In time"}).status_code == 302


def test_get_to_the_post_url_is_405(reader):
    assert reader.get(post_url(make_article())).status_code == 405


def test_missing_csrf_token_is_refused(reader):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(make_user())
    response = strict.post(post_url(make_article()), {"body": "Hi"})
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_same_text_twice_is_refused_as_a_duplicate(reader):
    article = make_article()
    reader.post(post_url(article), {"body": "Double click"})
    response = reader.post(post_url(article), {"body": "Double click"})
    assert response.status_code == 409
    assert "already posted this comment" in response.content.decode()
    assert Comment.objects.count() == 1


@pytest.mark.rate_limited
def test_one_comment_every_fifteen_seconds(reader):
    article = make_article()
    assert reader.post(post_url(article), {"body": "One"}).status_code == 302
    response = reader.post(post_url(article), {"body": "Two"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "wait 15 seconds" in html and "Two</textarea>" in html
    assert Comment.objects.count() == 1


@pytest.mark.rate_limited
def test_at_most_twenty_comments_an_hour(reader):
    article = make_article()
    for i in range(20):
        make_comment(
            article=article, author=reader.user, created_at=timezone.now() - timedelta(minutes=50 - i)
        )
    response = reader.post(post_url(article), {"body": "Twenty-first"})
    assert response.status_code == 429
    assert "limit of 20 comments an hour" in response.content.decode()


def moderator_by(kind):
    from django.contrib.auth.models import Group, Permission

    change = Permission.objects.get(codename="change_comment", content_type__app_label="comments")
    if kind == "staff":
        return make_user(is_staff=True)
    if kind == "superuser":
        return make_user(is_superuser=True)
    user = make_user()
    if kind == "permission":
        user.user_permissions.add(change)
    else:  # a group that moderates comments
        group = Group.objects.create(name="Comment moderators")
        group.permissions.add(change)
        user.groups.add(group)
    return user


@pytest.mark.rate_limited
@pytest.mark.parametrize("kind", ["staff", "permission", "group", "superuser"])
def test_staff_and_moderators_reply_in_their_threads_without_rate_limits(client, kind):
    moderator = moderator_by(kind)
    client.force_login(moderator)
    article = make_article(author=moderator if kind == "staff" else make_user(is_staff=True))
    threads = [make_comment(article=article, body=f"Question {i}") for i in range(5)]
    for i, thread in enumerate(threads):
        response = client.post(post_url(article), {"body": f"Answer {i}", "parent": thread.pk})
        assert response.status_code == 302, response.content.decode()
    assert Comment.objects.filter(author=moderator).count() == 5


@pytest.mark.rate_limited
def test_staff_are_not_held_to_the_hourly_limit_either(client):
    staff = make_user(is_staff=True)
    client.force_login(staff)
    article = make_article()
    for i in range(20):
        make_comment(article=article, author=staff, created_at=timezone.now() - timedelta(minutes=50 - i))
    assert client.post(post_url(article), {"body": "Twenty-first"}).status_code == 302


@pytest.mark.rate_limited
def test_other_permissions_do_not_lift_the_limits(client):
    from django.contrib.auth.models import Permission

    user = make_user()
    user.user_permissions.add(Permission.objects.get(codename="view_comment"))
    client.force_login(user)
    article = make_article()
    assert client.post(post_url(article), {"body": "One"}).status_code == 302
    assert client.post(post_url(article), {"body": "Two"}).status_code == 429


# Editing and deleting


def test_author_edits_within_fifteen_minutes_and_it_shows_edited(reader):
    comment = make_comment(author=reader.user, body="Teh typo")
    assert reader.get(f"/comments/{comment.pk}/edit/").status_code == 200
    response = reader.post(f"/comments/{comment.pk}/edit/", {"body": "The typo"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    comment.refresh_from_db()
    assert comment.body == "The typo" and comment.edited_at is not None
    assert ">edited<" in reader.get(comment.article.get_absolute_url()).content.decode()


def test_edit_window_closes_after_fifteen_minutes(reader):
    comment = make_comment(author=reader.user, created_at=timezone.now() - timedelta(minutes=16))
    response = reader.post(f"/comments/{comment.pk}/edit/", {"body": "Too late"})
    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.body != "Too late"


def test_author_deletes_own_comment_softly(reader):
    comment = make_comment(author=reader.user, body="Oops")
    assert reader.get(f"/comments/{comment.pk}/delete/").status_code == 200
    response = reader.post(f"/comments/{comment.pk}/delete/")
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.state == Comment.State.REMOVED
    assert "deleted by its author" in reader.get(comment.article.get_absolute_url()).content.decode()


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_nobody_touches_another_users_comment(reader, action):
    comment = make_comment(body="Mine, not yours")
    assert reader.get(f"/comments/{comment.pk}/{action}/").status_code == 403
    assert reader.post(f"/comments/{comment.pk}/{action}/", {"body": "Hijacked"}).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Mine, not yours" and comment.state == Comment.State.VISIBLE


def test_edit_and_delete_need_login(client):
    comment = make_comment()
    for action in ("edit", "delete"):
        response = client.post(f"/comments/{comment.pk}/{action}/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/comments/999999/edit/").status_code == 302


def test_unknown_comment_is_404(reader):
    assert reader.get("/comments/999999/edit/").status_code == 404


def test_script_in_a_comment_shows_as_text(client):
    article = make_article()
    make_comment(article=article, body='<script>alert("x")</script> [a](javascript:alert(1))')
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
