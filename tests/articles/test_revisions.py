"""Revisions in the admin: one per save with its user and tags, the list, a diff between any two,
restoring one, and refusing a save over a form someone else's save made stale."""

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import roles
from articles.models import Article, Tag
from tests.factories import article_admin_form, image_upload, make_article, make_member, make_staff

pytestmark = pytest.mark.django_db


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


def history_url(article):
    return f"/admin/articles/article/{article.pk}/history/"


def opened_form(client, article, **changes):
    """The change form as an editor opened it (with its hidden version), then edited with `changes`."""
    form = client.get(change_url(article)).context["adminform"].form
    data = article_admin_form(article, edit_token=form["edit_token"].value())
    data.update(changes)
    return data


def revisions(article):
    return list(Article.history.filter(id=article.pk).order_by("history_date", "history_id"))


def test_a_save_outside_the_admin_keeps_a_revision():
    article = make_article(title="First title")
    article.title = "Second title"
    article.save()
    assert [r.title for r in revisions(article)] == ["First title", "Second title"]
    assert revisions(article)[0].history_type == "+"


def test_an_admin_save_keeps_one_revision_with_its_user_and_tags(staff_client):
    article = make_article(body="Old body.")
    article.tags.set([Tag.objects.create(name=name, slug=name.lower()) for name in ("Iran", "Oil")])
    before = len(revisions(article))

    response = staff_client.post(change_url(article), opened_form(staff_client, article, body="New body."))

    assert response.status_code == 302
    new = revisions(article)[before:]
    assert len(new) == 1  # the row and its tags are saved in two steps: still one revision
    assert new[0].body == "New body."
    assert new[0].history_user == staff_client.staff
    assert sorted(row.tag.name for row in new[0].tags.all()) == ["Iran", "Oil"]


def test_history_lists_revisions_with_who_and_what_changed(staff_client):
    article = make_article(title="Before")
    staff_client.post(change_url(article), opened_form(staff_client, article, title="After"))

    response = staff_client.get(history_url(article))

    assert response.status_code == 200
    html = response.content.decode()
    assert f"@{staff_client.staff.username}" in html
    assert [entry["changed"] for entry in response.context["entries"]] == [["Title"], ["Created"]]


def test_compare_shows_a_word_level_diff_escaped(staff_client):
    article = make_article(body="The mayor said <b>no</b> on Monday.\n\nSecond paragraph.")
    article.body = "The mayor said <b>yes</b> on Tuesday.\n\nSecond paragraph."
    article.save()
    old, new = revisions(article)

    response = staff_client.get(f"{history_url(article)}compare/?from={new.history_id}&to={old.history_id}")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<del>no</del><ins>yes</ins>" in html
    assert "<del>Monday</del><ins>Tuesday</ins>" in html
    assert "&lt;b&gt;" in html and "<b>yes" not in html
    assert response.context["old"] == old  # always from the older to the newer


def test_compare_refuses_missing_or_foreign_revisions(staff_client):
    article, other = make_article(), make_article()
    [mine], [theirs] = revisions(article), revisions(other)
    base = f"{history_url(article)}compare/"
    assert staff_client.get(base).status_code == 400
    assert staff_client.get(f"{base}?from=x&to={mine.history_id}").status_code == 400
    assert staff_client.get(f"{base}?from={theirs.history_id}&to={mine.history_id}").status_code == 404


def test_restore_brings_back_text_and_tags_as_a_new_revision(staff_client):
    iran = Tag.objects.create(name="Iran", slug="iran")
    article = make_article(title="Original", body="Original **body**.")
    article.tags.set([iran])  # a second revision, with the tag
    with_tag = revisions(article)[-1]
    article.title, article.body = "Vandalised", "Nothing left."
    article.save()
    article.tags.clear()

    response = staff_client.post(f"{history_url(article)}{with_tag.history_id}/restore/")

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "Original"
    assert article.body_html.strip() == "<p>Original <strong>body</strong>.</p>"
    assert list(article.tags.all()) == [iran]
    newest = revisions(article)[-1]
    assert newest.title == "Original" and newest.history_user == staff_client.staff
    assert newest.history_change_reason.startswith("Restored the revision of")
    assert [row.tag for row in newest.tags.all()] == [iran]


def test_restore_is_a_post_only(staff_client):
    article = make_article()
    [revision] = revisions(article)
    assert staff_client.get(f"{history_url(article)}{revision.history_id}/restore/").status_code == 405


def test_restore_is_refused_without_the_change_permission(client):
    # A writer may read their published article's history, but no longer change the article.
    viewer = make_member(roles.WRITER)
    article = make_article(title="Kept", author=viewer)
    [revision] = revisions(article)
    article.title = "Current"
    article.save()
    client.force_login(viewer)

    assert client.get(history_url(article)).status_code == 200  # may look, not restore
    assert b"Restore</button>" not in client.get(history_url(article)).content
    response = client.post(f"{history_url(article)}{revision.history_id}/restore/")

    assert response.status_code == 403
    article.refresh_from_db()
    assert article.title == "Current"


def test_a_save_over_a_stale_form_is_refused_with_the_changes_and_the_input_kept(staff_client):
    article = make_article(title="Bridge reopens", body="The bridge reopens on Monday.")
    mine = opened_form(staff_client, article, body="The bridge reopens on Monday, the council said.")
    # Meanwhile a colleague saves their own edit.
    colleague = make_staff(username="colleague", display_name="Cora Colleague")
    article.title, article.body = "Bridge reopens early", "The bridge reopens on Sunday."
    article._history_user = colleague
    article.save()

    response = staff_client.post(change_url(article), mine)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else saved this article after you opened it" in html
    assert "Cora Colleague" in html
    assert "<del>Monday</del><ins>Sunday</ins>" in html  # what they changed
    assert "<ins> early</ins>" in html
    assert "the council said." in html  # what I typed is still in the form
    article.refresh_from_db()
    assert article.body == "The bridge reopens on Sunday."

    # Saving again, having seen their changes, is a decision: it goes through.
    form = response.context["adminform"].form
    again = {**mine, "edit_token": form["edit_token"].value()}
    assert staff_client.post(change_url(article), again).status_code == 302
    article.refresh_from_db()
    assert article.body == "The bridge reopens on Monday, the council said."


def test_an_up_to_date_form_saves(staff_client):
    article = make_article()
    response = staff_client.post(change_url(article), opened_form(staff_client, article, title="New title"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "New title"


def test_restore_brings_back_the_lead_image_and_its_renditions(staff_client):
    article = make_article(lead_image=image_upload(), lead_image_alt="Cranes at dawn")
    [with_image] = revisions(article)
    name, renditions = article.lead_image.name, article.lead_image_renditions
    article.lead_image, article.lead_image_alt = "", ""
    article.save()

    staff_client.post(f"{history_url(article)}{with_image.history_id}/restore/")

    article.refresh_from_db()
    assert article.lead_image.name == name
    assert article.lead_image_renditions == renditions
    assert article.lead_image_alt == "Cranes at dawn"
    assert default_storage.exists(name)
    assert name in staff_client.get(article.get_absolute_url()).content.decode()


def history_queries(client, saves):
    article = make_article()
    article.tags.set([Tag.objects.create(name=f"Tag {saves}", slug=f"tag-{saves}")])
    for n in range(saves):
        article.title = f"Title {n}"
        article.save()
    client.get(history_url(article))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(history_url(article)).status_code == 200
    return len(queries)


def test_history_page_queries_do_not_grow_with_revisions(staff_client):
    # session, user, article, revisions count, page of revisions + users + sections, their tags,
    # the revision before the page and its tags (none on a short history: one query fewer)
    assert (
        history_queries(staff_client, 2)
        <= history_queries(staff_client, 55)
        == history_queries(staff_client, 120)
        == 8
    )


def test_history_is_refused_to_staff_without_article_permissions(client):
    article = make_article()
    client.force_login(make_staff())
    # Not among the articles they may see at all (articles/roles.py): as if it did not exist.
    assert client.get(history_url(article)).status_code == 404
    assert client.get(f"{history_url(article)}compare/?from=1&to=2").status_code == 404


@pytest.mark.parametrize("role", [roles.EDITOR, roles.WRITER])
def test_the_change_form_carries_its_version_for_every_role(client, role):
    member = make_member(role)
    article = make_article(author=member, status=Article.Status.DRAFT)
    client.force_login(member)
    assert 'name="edit_token"' in client.get(change_url(article)).content.decode()
