"""Reader pages: cached for anonymous readers, revalidated with 304s, and never stale."""

import os
import uuid
from datetime import timedelta

import pytest
import redis
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.utils import timezone

from articles.models import Article
from articles.roles import EDITOR
from comments.models import Comment
from comments.services import moderate_comments
from pagecache.pages import page_key
from pagecache.store import get_store
from tests.factories import make_article, make_comment, make_member, make_tag, make_user

pytestmark = pytest.mark.django_db


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_available():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        return True
    except redis.RedisError:
        return False


@pytest.fixture(autouse=True, params=["local-memory", "redis"])
def backend(request, settings):
    """Every test runs with the page cache in local memory (versions in the database) and in Redis."""
    settings.COMMENTS_MIN_INTERVAL_SECONDS = 0
    settings.COMMENTS_MAX_PER_HOUR = 0
    if request.param == "redis":
        use_redis(settings)
    yield request.param
    cache.clear()


def use_redis(settings):
    """Production's cache setup on a test Redis database: skipped without Redis, a failure in CI."""
    if not redis_available():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"newsblog-test-{uuid.uuid4().hex}",
            "OPTIONS": {"CLIENT_CLASS": "pagecache.store.RedisClient", "IGNORE_EXCEPTIONS": True},
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


def validators(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response["ETag"], response["Last-Modified"]


def test_anonymous_pages_carry_validators_and_shared_cache_headers(client):
    article = make_article(tags=[make_tag(slug="the-subject")])
    for url in (
        "/",
        article.get_absolute_url(),
        article.category.get_absolute_url(),
        article.tags.get().get_absolute_url(),
        "/tags/the-subject/feed/",
        "/feed/",
        "/search/?q=x",
    ):
        response = client.get(url)
        assert response["ETag"].startswith('W/"')
        assert response["Last-Modified"]
        assert response["Cache-Control"] == "public, max-age=0, must-revalidate"
        assert "Cookie" in response["Vary"]


def test_matching_if_none_match_is_a_304_without_rendering(client, django_assert_num_queries, backend):
    article = make_article()
    etag, _ = validators(client, article.get_absolute_url())
    # the page's tag versions only (in Redis, no query at all)
    with django_assert_num_queries(0 if backend == "redis" else 1):
        response = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_if_modified_since_is_a_304_until_something_changes(client):
    article = make_article()
    _, last_modified = validators(client, article.get_absolute_url())
    assert client.get(article.get_absolute_url(), HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    article.body = "Changed"
    article.save()
    later = timezone.now() + timedelta(seconds=2)
    with pytest.MonkeyPatch.context() as patch:
        # Last-Modified has one-second resolution: the new render must look at least a second later.
        patch.setattr("time.time", lambda: later.timestamp())
        response = client.get(article.get_absolute_url(), HTTP_IF_MODIFIED_SINCE=last_modified)
    assert response.status_code == 200


def test_a_repeat_anonymous_visit_is_served_from_the_cache(client, django_assert_num_queries, backend):
    article = make_article()
    first = client.get(article.get_absolute_url())
    # the page's tag versions only: no rendering (in Redis, no query at all)
    with django_assert_num_queries(0 if backend == "redis" else 1):
        second = client.get(article.get_absolute_url())
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_validators_stay_equal_when_nothing_changes(client):
    article = make_article()
    assert validators(client, article.get_absolute_url()) == validators(client, article.get_absolute_url())


def change_article(article):
    article.body = "An update to the story."
    article.save()


def post_comment_(article):
    user_client = Client()
    user_client.force_login(make_user())
    user_client.post(f"/articles/{article.slug}/comments/", {"body": "Fresh comment"})


def edit_comment_(article):
    comment = Comment.objects.get(article=article)
    user_client = Client()
    user_client.force_login(comment.author)
    user_client.post(f"/comments/{comment.pk}/edit/", {"body": "Edited words"})


def hide_comment_(article):
    moderate_comments(comments=Comment.objects.filter(article=article), hide=True)


def delete_comment_(article):
    comment = Comment.objects.get(article=article)
    user_client = Client()
    user_client.force_login(comment.author)
    user_client.post(f"/comments/{comment.pk}/delete/")


@pytest.mark.parametrize(
    "change", [change_article, post_comment_, edit_comment_, hide_comment_, delete_comment_]
)
def test_every_kind_of_change_moves_the_validators_and_shows_at_once(client, change):
    article = make_article()
    make_comment(article=article, body="Original words")
    url = article.get_absolute_url()
    before = client.get(url)
    change(article)
    after = client.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert after.content != before.content


def test_a_change_shows_on_the_list_pages_too(client):
    article = make_article(title="Quiet story")
    client.get("/")
    make_comment(article=article)
    assert "1 comment" in client.get("/").content.decode()


def test_a_comment_posted_through_one_worker_shows_through_another(
    client, django_assert_num_queries, backend
):
    """The old page stays in the reading worker's cache (nothing deletes it); the shared versions
    alone make that worker render again."""
    article = make_article()
    url = article.get_absolute_url()
    client.get(url)
    with django_assert_num_queries(0 if backend == "redis" else 1):
        assert b"Fresh comment" not in client.get(url).content  # served from the cache
    post_comment_(article)
    assert b"Fresh comment" in client.get(url).content


def test_a_scheduled_article_appears_when_its_time_comes(client, monkeypatch):
    soon = timezone.now() + timedelta(minutes=5)
    make_article(title="Embargoed story", published_at=soon)
    assert b"Embargoed story" not in client.get("/").content
    monkeypatch.setattr(timezone, "now", lambda: soon + timedelta(seconds=1))
    assert b"Embargoed story" in client.get("/").content


def test_cached_anonymous_pages_hold_nothing_personal(client):
    article = make_article()
    signed_in = Client()
    signed_in.force_login(make_user(display_name="Private Person"))
    signed_in.get(article.get_absolute_url())
    html = client.get(article.get_absolute_url()).content.decode()
    html_again = client.get(article.get_absolute_url()).content.decode()
    for page in (html, html_again):
        assert "csrfmiddlewaretoken" not in page
        assert "Log out" not in page
        assert "Private Person" not in page


def test_signed_in_pages_are_private_and_never_stored(client):
    article = make_article()
    client.force_login(make_user(display_name="Private Person"))
    response = client.get(article.get_absolute_url())
    assert response["Cache-Control"] == "private, no-cache"
    assert "Cookie" in response["Vary"]
    assert "ETag" not in response
    anonymous_key = f"a:{page_key(RequestFactory().get(article.get_absolute_url()))}"
    assert get_store().get_many([anonymous_key]) == [None]


def test_staff_previews_are_never_stored(client):
    draft = make_article(status=Article.Status.DRAFT, title="Unreleased scoop")
    client.force_login(make_member(EDITOR))
    response = client.get(draft.get_absolute_url())
    assert response["Cache-Control"] == "private, no-store"


def test_html_is_compressed(client):
    article = make_article(body="Long body. " * 400)
    response = client.get(article.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip, br")
    assert response["Content-Encoding"] == "gzip"


def test_signed_in_readers_share_the_comment_list_but_see_their_own_actions(django_assert_max_num_queries):
    article = make_article()
    alice, bob = make_user(display_name="Alice"), make_user(display_name="Bob")
    mine = make_comment(article=article, author=alice, body="Alice speaks")
    theirs = make_comment(article=article, author=bob, body="Bob answers")
    as_alice, as_bob = Client(), Client()
    as_alice.force_login(alice)
    as_bob.force_login(bob)
    edit = "/comments/{}/edit/"

    first = as_alice.get(article.get_absolute_url()).content.decode()
    with django_assert_max_num_queries(5):  # session, user, the page's tag versions: no comment queries
        second = as_alice.get(article.get_absolute_url()).content.decode()
    for page in (first, second):
        assert edit.format(mine.pk) in page
        assert edit.format(theirs.pk) not in page
        assert "<!--pc" not in page
    bob_page = as_bob.get(article.get_absolute_url()).content.decode()
    assert edit.format(theirs.pk) in bob_page
    assert edit.format(mine.pk) not in bob_page
    anonymous = Client().get(article.get_absolute_url()).content.decode()
    assert "Reply</a>" not in anonymous and "Edit</a>" not in anonymous


def test_the_cached_comment_list_changes_with_the_comments(client):
    article = make_article()
    reader = make_user(display_name="Reader")
    client.force_login(reader)
    comment = make_comment(article=article, author=reader, body="First thought")
    assert "First thought" in client.get(article.get_absolute_url()).content.decode()
    other = make_comment(article=article, author=make_user(), body="Second thought")
    assert "Second thought" in client.get(article.get_absolute_url()).content.decode()
    moderate_comments(comments=Comment.objects.filter(pk=other.pk), hide=True)
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Second thought" not in page
    assert "hidden by a moderator" in page
    client.post(f"/comments/{comment.pk}/delete/")
    assert "deleted by its author" in client.get(article.get_absolute_url()).content.decode()


def test_the_edit_link_goes_when_the_edit_window_closes(client, monkeypatch):
    article = make_article()
    reader = make_user()
    client.force_login(reader)
    comment = make_comment(article=article, author=reader)
    assert f"/comments/{comment.pk}/edit/" in client.get(article.get_absolute_url()).content.decode()
    later = timezone.now() + timedelta(minutes=16)
    monkeypatch.setattr(timezone, "now", lambda: later)
    page = client.get(article.get_absolute_url()).content.decode()
    assert f"/comments/{comment.pk}/edit/" not in page
    assert f"/comments/{comment.pk}/delete/" in page


def test_the_redis_client_is_built_once_and_kept(backend):
    if backend != "redis":
        pytest.skip("Redis only")
    cache.set("newsblog:probe", 1)
    client = cache.client.get_client()
    assert cache.get("newsblog:probe") == 1
    assert cache.client.get_client() is client
    assert cache.client.get_client(write=False) is client  # one server: one client


def test_an_anonymous_hit_and_a_304_are_one_redis_round_trip_each(client, backend, monkeypatch):
    if backend != "redis":
        pytest.skip("Redis only")
    article = make_article()
    make_comment(article=article)
    etag = client.get(article.get_absolute_url())["ETag"]
    calls = []
    connection = cache.client.get_client()
    real = type(connection).execute_command
    monkeypatch.setattr(
        type(connection),
        "execute_command",
        lambda self, *args, **kw: calls.append(args[0]) or real(self, *args, **kw),
    )
    assert client.get(article.get_absolute_url()).status_code == 200
    assert client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert calls == ["MGET", "MGET"]  # the copy (or its entry) and its tags' versions together


def test_anonymous_hits_carry_every_header_the_first_answer_had(client):
    article = make_article()
    first = client.get(article.get_absolute_url())
    second = client.get(article.get_absolute_url())
    for header in ("Content-Security-Policy", "X-Frame-Options", "Permissions-Policy", "ETag", "Vary"):
        assert second[header] == first[header]
    assert "Set-Cookie" not in second


def test_pages_that_are_not_reader_pages_never_come_from_the_page_cache(client):
    first = client.get("/accounts/login/")
    second = client.get("/accounts/login/")
    assert "csrfmiddlewaretoken" in second.content.decode()
    assert "ETag" not in first and "ETag" not in second


def test_signed_in_readers_get_their_own_parts_from_one_shared_copy():
    article = make_article()
    alice, bob = make_user(display_name="Alice Reader"), make_user(display_name="Bob Reader")
    as_alice, as_bob = Client(), Client()
    as_alice.force_login(alice)
    as_bob.force_login(bob)
    url = article.get_absolute_url()
    alice_page = as_alice.get(url).content.decode()
    assert get_store().get_many([f"m:{page_key(RequestFactory().get(url))}"]) != [None]
    bob_page = as_bob.get(url).content.decode()
    assert "Alice Reader" in alice_page and "Bob Reader" not in alice_page
    assert "Bob Reader" in bob_page and "Alice Reader" not in bob_page
    for page in (alice_page, bob_page):
        assert page.count("csrfmiddlewaretoken") == 2  # log-out button and the comment form
        assert "Post comment" in page
        assert "<!--pc" not in page


def test_a_comment_can_be_posted_from_the_shared_copy_of_the_page():
    article = make_article()
    reader = make_user()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(reader)
    browser.get(article.get_absolute_url())  # stores the shared copy
    page = browser.get(article.get_absolute_url()).content.decode()
    form = page[page.index('id="comment-form"') :]
    token = form.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    response = browser.post(
        f"/articles/{article.slug}/comments/", {"body": "From the cached page", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert Comment.objects.filter(article=article, body="From the cached page").exists()
    assert "From the cached page" in browser.get(article.get_absolute_url()).content.decode()


def test_a_flash_message_is_shown_on_the_next_reader_page_and_only_once(client):
    article = make_article()
    make_user(display_name="Someone")
    Client().get(article.get_absolute_url())
    response = client.post(
        f"/accounts/signup/?next={article.get_absolute_url()}",
        {"username": "newreader", "email": "new@example.org", "password1": "a-long pass phrase 9",
         "password2": "a-long pass phrase 9"},
    )  # fmt: skip
    assert response.status_code == 302
    # The welcome comes with the confirmation link from the sign-up mail.
    from django.core import mail

    link = mail.outbox[0].body.split("http://testserver", 1)[1].split()[0]
    assert client.post(link)["Location"] == article.get_absolute_url()
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Welcome! Your account is ready." in page
    again = client.get(article.get_absolute_url()).content.decode()
    assert "Welcome! Your account is ready." not in again
    assert "newreader" in again


def test_a_missing_article_is_an_ordinary_404_for_signed_in_readers(client):
    client.force_login(make_user(display_name="Lost Reader"))
    response = client.get("/articles/no-such-article/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Lost Reader" in page
    assert "<!--pc" not in page


def test_cached_pages_are_compressed_once_and_served_compressed_to_those_who_accept_it(client):
    import gzip

    article = make_article(body="Long body. " * 400)
    plain = client.get(article.get_absolute_url())
    hit = client.get(article.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert hit["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in hit["Vary"] and "Cookie" in hit["Vary"]
    assert gzip.decompress(hit.content) == plain.content
    assert hit["ETag"] == plain["ETag"]
    assert int(hit["Content-Length"]) == len(hit.content)
    again = client.get(article.get_absolute_url())
    assert "Content-Encoding" not in again
    assert again.content == plain.content


def test_signed_in_readers_get_feeds_from_the_shared_copy_unchanged(client):
    make_article(title="Feed story")
    client.force_login(make_user())
    first = client.get("/feed/")
    second = client.get("/feed/")
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert b"Feed story" in second.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["Cache-Control"] == "private, no-cache"


def test_each_host_name_gets_its_own_copy_with_its_own_absolute_urls(client, settings):
    settings.ALLOWED_HOSTS = ["news.example.org", "www.news.example.org"]
    article = make_article()
    first = client.get(article.get_absolute_url(), HTTP_HOST="news.example.org").content.decode()
    second = client.get(article.get_absolute_url(), HTTP_HOST="www.news.example.org").content.decode()
    assert 'rel="canonical" href="http://news.example.org/' in first
    assert 'rel="canonical" href="http://www.news.example.org/' in second
    assert client.get(article.get_absolute_url(), HTTP_HOST="evil.example").status_code == 400
