"""The newsroom's roles in the admin: each sees only what it may do, and the server refuses the rest
(hand-made POSTs included)."""

import pytest
from django.contrib.auth.models import Group

from articles import roles
from articles.models import Article
from tests.articles.test_admin import admin_errors, article_form
from tests.factories import make_article, make_category, make_comment, make_member, make_staff, make_user

pytestmark = pytest.mark.django_db

ADD = "/admin/articles/article/add/"


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def writer():
    return make_member(roles.WRITER, username="wren", display_name="Wren Writer")


@pytest.fixture
def editor():
    return make_member(roles.EDITOR, username="dana", display_name="Dana Desk")


@pytest.fixture
def moderator():
    return make_member(roles.MODERATOR, username="mo")


def run_action(client, changelist, action, *objects):
    return client.post(changelist, {"action": action, "_selected_action": [obj.pk for obj in objects]})


def draft_by(author, **overrides):
    fields = {"author": author, "status": Article.Status.DRAFT, "published_at": None}
    return make_article(**{**fields, **overrides})


def edit_form(article, **overrides):
    data = article_form(article.category, article.author, title=article.title, slug=article.slug)
    data["status"] = article.status
    return {**data, **overrides}


def test_the_migrations_made_the_three_roles_with_their_permissions():
    for name, permissions in roles.PERMISSIONS.items():
        group = Group.objects.get(name=name)
        made = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert made == set(permissions), name


def test_a_writer_creates_a_draft_credited_to_themselves(client, writer, editor):
    signed_in(client, writer)
    data = article_form(make_category(), editor, status="draft")  # the author in the POST is ignored
    response = client.post(ADD, data)
    assert response.status_code == 302, admin_errors(response)
    article = Article.objects.get()
    assert article.author == writer and article.status == Article.Status.DRAFT


def test_a_writer_submits_for_review_and_the_time_is_kept(client, writer):
    article = draft_by(writer)
    response = signed_in(client, writer).post(change_url(article), edit_form(article, status="review"))
    assert response.status_code == 302, admin_errors(response)
    article.refresh_from_db()
    assert article.status == Article.Status.REVIEW and article.submitted_at is not None


def test_a_writer_cannot_forge_published_in_a_post(client, writer):
    article = draft_by(writer)
    response = signed_in(client, writer).post(change_url(article), edit_form(article, status="published"))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT and not Article.objects.published().exists()


def test_a_writer_cannot_publish_a_new_article_by_a_forged_post(client, writer):
    response = signed_in(client, writer).post(ADD, article_form(make_category(), writer, status="published"))
    assert response.status_code == 200
    assert not Article.objects.exists()


def test_a_writer_cannot_schedule_or_set_the_author_by_a_forged_post(client, writer, editor):
    article = draft_by(writer)
    data = edit_form(article, author=editor.pk, published_at_0="2030-01-01", published_at_1="09:00:00")
    response = signed_in(client, writer).post(change_url(article), data)
    assert response.status_code == 302, admin_errors(response)
    article.refresh_from_db()
    assert article.author == writer and article.published_at is None


def test_a_writer_cannot_open_or_edit_someone_elses_article(client, writer):
    other = draft_by(make_member(roles.WRITER), title="Not yours")
    signed_in(client, writer)
    assert "Not yours" not in client.get("/admin/articles/article/").content.decode()
    response = client.post(change_url(other), edit_form(other, title="Retitled"))
    assert response.status_code == 302 and response["Location"] == "/admin/"  # "doesn't exist"
    other.refresh_from_db()
    assert other.title == "Not yours"


def test_a_writer_cannot_change_their_own_published_article(client, writer):
    article = make_article(author=writer, title="Live story")
    signed_in(client, writer)
    page = client.get(change_url(article)).content.decode()
    assert 'name="title"' not in page and "Live story" in page  # shown, read-only
    response = client.post(change_url(article), edit_form(article, title="Quietly changed"))
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.title == "Live story"


def test_a_writer_sees_only_their_statuses_and_no_editor_actions(client, writer):
    article = draft_by(writer)
    signed_in(client, writer)
    page = client.get(change_url(article)).content.decode()
    assert '<option value="review"' in page and '<option value="published"' not in page
    assert 'name="published_at_0"' not in page and 'name="author"' not in page
    listing = client.get("/admin/articles/article/").content.decode()
    assert 'value="submit_for_review"' in listing
    assert 'value="publish_now"' not in listing and 'value="unpublish"' not in listing
    assert 'value="delete_selected"' not in listing


def test_a_writer_cannot_run_publish_actions_by_a_forged_post(client, writer):
    article = draft_by(writer)
    data = {"action": "publish_now", "_selected_action": [article.pk]}
    signed_in(client, writer).post("/admin/articles/article/", data)
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_a_writer_cannot_touch_categories(client, writer):
    signed_in(client, writer)
    assert client.post("/admin/articles/category/add/", {"name": "X", "slug": "x"}).status_code == 403


def test_an_editor_edits_anyones_article_and_publishes(client, editor, writer):
    article = draft_by(writer, status=Article.Status.REVIEW)
    response = signed_in(client, editor).post(
        change_url(article), edit_form(article, title="Better title", status="published")
    )
    assert response.status_code == 302, admin_errors(response)
    article.refresh_from_db()
    assert article.is_public and article.title == "Better title" and article.author == writer


def test_an_editor_schedules_and_the_admin_shows_scheduled(client, editor, writer):
    article = draft_by(writer)
    data = edit_form(article, status="published", published_at_0="2099-01-01", published_at_1="09:00:00")
    response = signed_in(client, editor).post(change_url(article), data)
    assert response.status_code == 302, admin_errors(response)
    article.refresh_from_db()
    assert article.is_scheduled and not Article.objects.published().exists()
    listing = client.get("/admin/articles/article/", {"workflow": "scheduled"}).content.decode()
    assert "Scheduled for 1 January 2099" in listing and article.title in listing
    assert article.title not in client.get("/admin/articles/article/", {"workflow": "live"}).content.decode()
    assert "Scheduled for 1 January 2099" in client.get(change_url(article)).content.decode()


def test_an_editor_sends_back_with_a_note_the_writer_then_sees(client, editor, writer):
    article = draft_by(writer, status=Article.Status.REVIEW)
    signed_in(client, editor)
    response = client.post(change_url(article), edit_form(article, status="draft", review_note=""))
    assert response.status_code == 200 and "Say why it goes back" in response.content.decode()
    response = client.post(
        change_url(article), edit_form(article, status="draft", review_note="Source the second quote.")
    )
    assert response.status_code == 302, admin_errors(response)
    page = signed_in(client, writer).get(change_url(article)).content.decode()
    assert "Sent back by an editor" in page and "Source the second quote." in page


def test_an_editor_unpublishes_and_readers_no_longer_see_it(client, editor):
    article = make_article()
    data = {"action": "unpublish", "_selected_action": [article.pk]}
    signed_in(client, editor).post("/admin/articles/article/", data)
    article.refresh_from_db()
    assert article.status == Article.Status.UNPUBLISHED
    client.logout()
    assert client.get(article.get_absolute_url()).status_code == 404


def test_the_review_queue_is_counted_on_the_admin_index_and_listed_oldest_first(client, editor, writer):
    older = draft_by(writer, title="Waiting longest", status=Article.Status.REVIEW)
    newer = draft_by(writer, title="Just sent", status=Article.Status.REVIEW)
    Article.objects.filter(pk=older.pk).update(submitted_at="2026-01-01T10:00:00Z")
    Article.objects.filter(pk=newer.pk).update(submitted_at="2026-01-02T10:00:00Z")
    draft_by(writer, title="Still a draft")
    signed_in(client, editor)
    assert "<strong>2</strong> articles waiting for review" in client.get("/admin/").content.decode()
    queue = client.get("/admin/articles/article/", {"status__exact": "review"}).content.decode()
    assert queue.index("Waiting longest") < queue.index("Just sent") and "Still a draft" not in queue
    assert "Wren Writer" in queue  # by whom


def test_the_author_field_lists_writers_and_editors_only(client, editor, writer):
    reader = make_user(username="just-a-reader")
    signed_in(client, editor)
    page = client.get(ADD).content.decode()
    assert f'<option value="{writer.pk}"' in page and f'<option value="{editor.pk}"' in page
    assert f'<option value="{reader.pk}"' not in page
    response = client.post(ADD, article_form(make_category(), reader, status="draft"))
    assert response.status_code == 200 and not Article.objects.exists()


def test_a_moderator_cannot_open_or_post_to_the_article_change_form(client, moderator):
    article = make_article(title="Untouched")
    signed_in(client, moderator)
    assert client.get(change_url(article)).status_code == 403
    response = client.post(change_url(article), edit_form(article, title="Moderated title"))
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.title == "Untouched"


def test_a_moderator_hides_restores_and_closes_a_discussion(client, moderator):
    comment = make_comment()
    signed_in(client, moderator)
    listing = client.get("/admin/comments/comment/").content.decode()
    assert 'value="close_discussion"' in listing and 'value="hide_comments"' in listing
    client.post("/admin/comments/comment/", {"action": "hide_comments", "_selected_action": [comment.pk]})
    comment.refresh_from_db()
    assert comment.state == comment.State.HIDDEN
    client.post("/admin/comments/comment/", {"action": "unhide_comments", "_selected_action": [comment.pk]})
    comment.refresh_from_db()
    assert comment.is_visible
    article, updated = comment.article, comment.article.updated_at
    client.post("/admin/comments/comment/", {"action": "close_discussion", "_selected_action": [comment.pk]})
    article.refresh_from_db()
    assert not article.comments_enabled and article.updated_at == updated


def test_closing_a_discussion_shows_on_the_next_page_view(client, moderator):
    comment = make_comment()
    url = comment.article.get_absolute_url()
    reader = make_user()
    signed_in(client, reader)
    assert "Comments are closed." not in client.get(url).content.decode()
    signed_in(client, moderator)
    client.post("/admin/comments/comment/", {"action": "close_discussion", "_selected_action": [comment.pk]})
    signed_in(client, reader)
    assert "Comments are closed." in client.get(url).content.decode()
    client.logout()
    assert "Comments are closed." in client.get(url).content.decode()


def test_a_writer_cannot_close_discussions(client, writer):
    comment = make_comment()
    signed_in(client, writer)
    assert client.get("/admin/comments/comment/").status_code == 403
    client.post("/admin/comments/comment/", {"action": "close_discussion", "_selected_action": [comment.pk]})
    comment.article.refresh_from_db()
    assert comment.article.comments_enabled


def test_plain_staff_without_a_role_cannot_edit_articles(client):
    article = make_article(title="Staff cannot")
    signed_in(client, make_staff())
    response = client.post(change_url(article), edit_form(article, title="Changed"))
    assert response.status_code == 403


@pytest.mark.parametrize("role", [roles.EDITOR, roles.WRITER])
def test_the_admin_article_list_costs_the_same_however_many_articles(client, role):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = make_member(role)
    signed_in(client, user)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/admin/articles/article/").status_code == 200
        return len(captured)

    draft_by(user, status=Article.Status.REVIEW)
    few = queries()
    for _ in range(8):
        draft_by(user, status=Article.Status.REVIEW)
        make_article(author=user)
    assert queries() == few


def test_a_moderator_closes_a_discussion_that_has_no_comments_yet(client, moderator):
    article = make_article(title="Quiet story")
    signed_in(client, moderator)
    listing = client.get("/admin/comments/discussion/").content.decode()
    assert "Quiet story" in listing and 'value="close_discussion"' in listing
    assert f"/admin/comments/discussion/{article.pk}/change/" not in listing  # no way into the article
    assert client.get(f"/admin/comments/discussion/{article.pk}/change/").status_code == 403
    run_action(client, "/admin/comments/discussion/", "close_discussion", article)
    article.refresh_from_db()
    assert not article.comments_enabled
    run_action(client, "/admin/comments/discussion/", "reopen_discussion", article)
    article.refresh_from_db()
    assert article.comments_enabled


def test_discussions_are_for_moderators_only(client, writer):
    article = make_article()
    signed_in(client, writer)
    assert client.get("/admin/comments/discussion/").status_code == 403
    run_action(client, "/admin/comments/discussion/", "close_discussion", article)
    article.refresh_from_db()
    assert article.comments_enabled
