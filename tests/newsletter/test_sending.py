"""Publishing with "send to subscribers": each recipient mailed once, with HTML and text parts, absolute
links and the unsubscribe headers; sections, auto-send, unsubscribes and the claims that make a
restarted worker resume."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.models import Article
from newsletter.models import Delivery, SectionSetting, Send
from newsletter.sending import send_batch_of
from newsletter.tasks import advance
from tests.factories import make_article, make_category
from tests.newsletter.factories import make_subscriber

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.NEWSBLOG_SITE_URL = "https://news.example"
    settings.NEWSLETTER_BATCH_SIZE = 3


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_publishing_with_the_box_ticked_mails_every_confirmed_subscriber_once():
    for n in range(7):
        make_subscriber(f"reader{n}@example.com")
    make_subscriber("pending@example.com", confirmed=False)
    article = make_article(send_to_subscribers=True)
    assert recipients() == [f"reader{n}@example.com" for n in range(7)]
    send = Send.objects.get(article=article)
    assert send.finished_at is not None
    assert set(send.deliveries.values_list("status", flat=True)) == {Delivery.Status.SENT}
    article.title = "Edited"
    article.save()
    assert len(mail.outbox) == 7, "a send happens once per article"


def test_an_unticked_article_or_a_draft_is_not_mailed():
    make_subscriber("reader@example.com")
    make_article()
    make_article(status=Article.Status.DRAFT, published_at=None, send_to_subscribers=True)
    assert mail.outbox == [] and not Send.objects.exists()


def test_the_mail_has_html_and_text_parts_absolute_links_and_unsubscribe_headers():
    make_subscriber("reader@example.com")
    body = "Read [the report](/articles/report/) and ![chart](/media/chart.png).\n\n<script>x()</script>"
    article = make_article(title="Big news", slug="big-news", body=body, send_to_subscribers=True)
    [message] = mail.outbox
    assert message.subject == "Big news"
    assert "https://news.example/articles/big-news/" in message.body
    assert "Read [the report](/articles/report/)" in message.body
    html, kind = message.alternatives[0]
    assert kind == "text/html"
    assert 'href="https://news.example/articles/report/"' in html
    assert 'src="https://news.example/media/chart.png"' in html
    assert "<script" not in html
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://news.example/newsletter/unsubscribe/")
    assert unsubscribe.endswith("/>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe[1:-1] in message.body and unsubscribe[1:-1] in html
    assert "https://news.example/newsletter/manage/" in message.body
    assert message.extra_headers["Message-ID"] == (
        f"<newsletter.{Send.objects.get(article=article).pk}.{message_recipient_id()}@news.example>"
    )


def message_recipient_id():
    return Delivery.objects.get().subscriber_id


def test_sections_decide_who_gets_an_article():
    politics, sport = make_category(name="Politics"), make_category(name="Sport")
    make_subscriber("everything@example.com")
    make_subscriber("politics@example.com", sections=[politics])
    make_subscriber("sport@example.com", sections=[sport])
    make_article(category=sport, send_to_subscribers=True)
    assert recipients() == ["everything@example.com", "sport@example.com"]


def test_a_section_can_send_its_new_articles_automatically():
    sport = make_category(name="Sport")
    make_article(category=sport)  # published before auto-send was on: never mailed
    SectionSetting.objects.create(category=sport, auto_send=True)
    make_subscriber("reader@example.com")
    make_article(category=sport, title="Match report")
    make_article(title="Elsewhere")
    assert [m.subject for m in mail.outbox] == ["Match report"]


def test_an_unsubscribe_takes_effect_before_the_next_message(settings):
    first = make_subscriber("first@example.com")
    second = make_subscriber("second@example.com")
    third = make_subscriber("third@example.com")
    send = Send.objects.create(article=make_article())
    for subscriber in (first, second, third):
        Delivery.objects.create(send=send, subscriber=subscriber)
    assert send_batch_of(send, size=1)
    second.unsubscribed_at = timezone.now()  # left by some other path than the link: checked at send time
    second.save()
    assert send_batch_of(send, size=5)
    assert recipients() == ["first@example.com", "third@example.com"]
    assert Delivery.objects.get(subscriber=second).status == Delivery.Status.SKIPPED


def test_a_message_left_sending_by_a_dead_worker_is_sent_again_after_its_claim_with_the_same_id():
    subscriber = make_subscriber("reader@example.com")
    send = Send.objects.create(article=make_article())
    delivery = Delivery.objects.create(
        send=send,
        subscriber=subscriber,
        status=Delivery.Status.SENDING,
        claim="a-worker-that-died",
        claimed_until=timezone.now() + timedelta(minutes=1),
        attempts=1,
    )
    assert send_batch_of(send, size=5) and mail.outbox == [], "claimed by a worker that may be alive"
    Delivery.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert send_batch_of(send, size=5)
    [message] = mail.outbox
    assert message.extra_headers["Message-ID"] == delivery.message_id
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 2)


def test_a_relay_that_cannot_be_reached_leaves_the_message_queued(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 0.5
    send = Send.objects.create(article=make_article())
    Delivery.objects.create(send=send, subscriber=make_subscriber("reader@example.com"))
    assert send_batch_of(send, size=5) is False
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.QUEUED and delivery.attempts == 1 and delivery.error


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def test_a_scheduled_article_is_sent_when_it_is_published(database_tasks):
    make_subscriber("reader@example.com")
    when = timezone.now() + timedelta(hours=2)
    make_article(send_to_subscribers=True, published_at=when)
    task = DBTaskResult.objects.get()
    assert task.task_path == "newsletter.tasks.start_send" and task.run_after == when
    run_worker()
    assert mail.outbox == [] and not Send.objects.exists(), "not due yet"
    DBTaskResult.objects.update(run_after=timezone.now())
    Article.objects.update(published_at=timezone.now() - timedelta(seconds=1))
    run_worker()  # start_send, then the chain of batches (due at once: the rate is high)
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    run_worker()
    assert recipients() == ["reader@example.com"]


def test_batches_are_spaced_by_the_rate(database_tasks, settings):
    settings.NEWSLETTER_MAX_PER_MINUTE = 60  # batches of 3: one every 3 seconds
    for n in range(7):
        make_subscriber(f"reader{n}@example.com")
    make_article(send_to_subscribers=True)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert len(mail.outbox) == 3, "one batch now, the next waits for its turn"
    waiting = DBTaskResult.objects.get(status="READY")
    assert waiting.task_path == "newsletter.tasks.send_batch"
    gap = (waiting.run_after - timezone.now()).total_seconds()
    assert 1 < gap <= 3


def test_resume_queues_a_new_chain_and_the_old_link_does_nothing(database_tasks, settings):
    settings.NEWSLETTER_MAX_PER_MINUTE = 6  # far apart
    for n in range(5):
        make_subscriber(f"reader{n}@example.com")
    make_article(send_to_subscribers=True)
    run_worker()
    assert len(mail.outbox) == 3
    call_command("newsletter_resume", verbosity=0)
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    run_worker()
    assert len(mail.outbox) == 5 and len(set(recipients())) == 5


def test_unpublishing_an_article_stops_its_send(database_tasks):
    for n in range(5):
        make_subscriber(f"reader{n}@example.com")
    article = make_article(send_to_subscribers=True)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--max-tasks", "2", verbosity=0)
    assert len(mail.outbox) == 3  # start_send, then one batch
    article.status = Article.Status.DRAFT
    article.save()
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    run_worker()
    assert len(mail.outbox) == 3
    send = Send.objects.get()
    assert send.finished_at is not None and send.deliveries.filter(status="queued").count() == 2


def test_sends_going_out_together_share_the_rate(database_tasks, settings):
    settings.NEWSLETTER_MAX_PER_MINUTE = 60  # batches of 3: one every 3 seconds for the whole site
    make_subscriber("reader@example.com")
    for _ in range(2):
        Send.objects.create(article=make_article())
    send = Send.objects.create(article=make_article())
    Delivery.objects.create(send=send, subscriber=make_subscriber("other@example.com"))
    advance(send.pk, 0)
    waiting = DBTaskResult.objects.get(status="READY")
    gap = (waiting.run_after - timezone.now()).total_seconds()
    assert 7 < gap <= 9, "three sends at once: each batch waits three times as long"
