from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from comments.models import Comment
from tests.factories import make_article, make_comment, make_user

pytestmark = pytest.mark.django_db


def test_comment_html_is_rendered_once_on_save():
    comment = make_comment(body="Hi <b>there</b>\nsecond line")
    assert comment.body_html == "<p>Hi &lt;b&gt;there&lt;/b&gt;<br>second line</p>"


def test_database_refuses_empty_and_overlong_bodies():
    article, author = make_article(), make_user()
    for body in ("", "x" * 5001):
        with pytest.raises(IntegrityError), transaction.atomic():
            Comment.objects.create(article=article, author=author, body=body)


def test_edit_window_is_fifteen_minutes_for_the_author_only():
    author = make_user()
    comment = make_comment(author=author)
    assert comment.can_edit(author)
    assert not comment.can_edit(make_user())
    comment.created_at = timezone.now() - timedelta(minutes=16)
    assert not comment.can_edit(author)
    assert comment.can_delete(author)


def test_permalink_points_at_the_page_that_shows_the_comment():
    article = make_article()
    author = make_user()
    first = make_comment(article=article, author=author)
    assert first.get_absolute_url() == f"{article.get_absolute_url()}#comment-{first.pk}"
    for _ in range(50):
        make_comment(article=article, author=author)
    last = Comment.objects.filter(article=article).last()
    assert last.get_absolute_url() == f"{article.get_absolute_url()}?comments=2#comment-{last.pk}"
    reply = make_comment(article=article, author=author, parent=first)
    assert reply.get_absolute_url().endswith(f"/#comment-{reply.pk}")
