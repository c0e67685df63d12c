"""Staff: the "send to subscribers" box on an article, each send's progress, subscriber counts."""

import pytest
from django.core import mail
from django.utils import timezone

from articles.models import Article
from newsletter.models import Delivery, SectionSetting, Send
from tests.factories import make_article, make_category
from tests.newsletter.factories import make_subscriber

pytestmark = pytest.mark.django_db


def article_form(category, **overrides):
    data = {
        "title": "Election night",
        "slug": "election-night",
        "author": "",
        "category": category.pk,
        "summary": "The result.",
        "body": "What happened.",
        "status": "published",
        "published_at_0": "",
        "published_at_1": "",
        "comments_enabled": "on",
    }
    data.update(overrides)
    return data


def test_publishing_with_the_box_ticked_in_the_admin_mails_subscribers(
    staff_client, django_capture_on_commit_callbacks
):
    category = make_category()
    make_subscriber("reader@example.com")
    staff = Article._meta.get_field("author").related_model.objects.get(is_superuser=True)
    page = staff_client.get("/admin/articles/article/add/")
    assert "Send to subscribers" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/articles/article/add/",
            article_form(category, author=staff.pk, send_to_subscribers="on"),
        )
    assert response.status_code == 302, response.text
    assert [m.subject for m in mail.outbox] == ["Election night"]
    assert Send.objects.get().finished_at is not None


def test_the_send_list_shows_progress(staff_client):
    article = make_article(title="Big news")
    send = Send.objects.create(article=article)
    statuses = ["sent"] * 3 + ["failed"] + ["queued"] * 2 + ["skipped"]
    for n, status in enumerate(statuses):
        Delivery.objects.create(send=send, subscriber=make_subscriber(f"r{n}@example.com"), status=status)
    page = staff_client.get("/admin/newsletter/send/")
    assert page.status_code == 200
    assert "Big news" in page.text
    assert "5 of 7 (71%)" in page.text
    for label, count in (("queued", 2), ("sent", 3), ("failed", 1), ("skipped", 1)):
        assert f'<td class="field-{label}">{count}</td>' in page.text
    detail = staff_client.get(f"/admin/newsletter/send/{send.pk}/change/")
    assert detail.status_code == 200 and "5 of 7" in detail.text


def test_the_send_list_queries_do_not_grow(staff_client, django_assert_max_num_queries):
    for n in range(5):
        send = Send.objects.create(article=make_article())
        Delivery.objects.create(send=send, subscriber=make_subscriber(f"r{n}@example.com"))
    staff_client.get("/admin/newsletter/send/")
    with django_assert_max_num_queries(8):
        assert staff_client.get("/admin/newsletter/send/").status_code == 200


def test_the_subscriber_list_shows_confirmed_and_pending_counts_per_section(staff_client):
    politics = make_category(name="Politics")
    make_subscriber("a@example.com")
    make_subscriber("b@example.com")
    make_subscriber("c@example.com", confirmed=False)
    make_subscriber("d@example.com", sections=[politics])
    make_subscriber("e@example.com", sections=[politics], confirmed=False)
    left = make_subscriber("f@example.com", sections=[politics])
    left.unsubscribed_at = timezone.now()
    left.save()
    page = staff_client.get("/admin/newsletter/subscriber/")
    assert page.status_code == 200
    assert '<th scope="row">Every article (whole site)</th><td>2</td><td>1</td>' in page.text
    assert '<th scope="row">Politics only</th><td>1</td><td>1</td>' in page.text


def test_auto_send_is_set_per_section_in_the_admin(staff_client):
    category = make_category()
    response = staff_client.post(
        "/admin/newsletter/sectionsetting/add/", {"category": category.pk, "auto_send": "on"}
    )
    assert response.status_code == 302
    setting = SectionSetting.objects.get()
    assert setting.auto_send and setting.auto_send_since is not None


def test_resume_sending_carries_on_a_send_stopped_by_unpublishing(staff_client, settings):
    send = Send.objects.create(article=make_article(), finished_at=timezone.now())
    Delivery.objects.create(send=send, subscriber=make_subscriber("late@example.com"))
    response = staff_client.post(
        "/admin/newsletter/send/", {"action": "resume_sending", "_selected_action": [send.pk]}, follow=True
    )
    assert "1 send(s) queued again." in response.text
    assert [m.to for m in mail.outbox] == [["late@example.com"]]
    send.refresh_from_db()
    assert send.finished_at is not None
