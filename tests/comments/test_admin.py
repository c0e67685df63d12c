import pytest

from comments.models import Comment
from tests.factories import make_article, make_comment, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(make_staff(is_superuser=True))
    return client


def test_moderators_list_search_and_filter_comments(staff_client):
    make_comment(body="Needle in a haystack")
    make_comment(body="Other", state=Comment.State.HIDDEN)
    response = staff_client.get("/admin/comments/comment/", {"q": "Needle", "state__exact": "visible"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Needle in a haystack" in html and "Other" not in html


def test_bulk_hide_and_unhide(staff_client, client):
    article = make_article()
    first, second = make_comment(article=article), make_comment(article=article)
    removed = make_comment(article=article, state=Comment.State.REMOVED)
    ids = [first.pk, second.pk, removed.pk]
    response = staff_client.post(
        "/admin/comments/comment/", {"action": "hide_comments", "_selected_action": ids}
    )
    assert response.status_code == 302
    assert set(Comment.objects.values_list("state", flat=True)) == {"hidden", "removed"}
    staff_client.post("/admin/comments/comment/", {"action": "unhide_comments", "_selected_action": ids})
    assert Comment.objects.get(pk=first.pk).state == "visible"
    assert Comment.objects.get(pk=removed.pk).state == "removed"


def test_staff_see_what_was_mailed_to_whom_and_cannot_change_it(staff_client):
    from comments.services import post_comment
    from tests.factories import make_user

    parent = make_comment(author=make_user(display_name="Nora Notified"))
    post_comment(article=parent.article, author=make_user(), body="A reply", parent=parent)
    response = staff_client.get("/admin/comments/commentnotification/", {"outcome__exact": "sent"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nora Notified" in html and "Mailed" in html
    assert staff_client.get("/admin/comments/commentnotification/add/").status_code == 403
