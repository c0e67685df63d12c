"""Two app hosts, one site: two gunicorn instances on different ports share one PostgreSQL, one
Redis and one media folder, as two machines behind a load balancer would. Whatever a reader does on
one host holds on the other, on the very next request."""

import os
import re
import shutil
import tempfile
import uuid
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from tests.hardening.conftest import TEMPLATE_DB
from tests.hardening.servers import (
    NGINX,
    PASSWORD,
    REDIS_URL,
    Gunicorn,
    Nginx,
    Reader,
    emptied_redis,
    manage,
    production_env,
)

STAFF_AND_READERS = """
from tests.factories import make_article, make_user
desk = make_user(username="desk", password="{password}", is_staff=True, is_superuser=True)
for name in ("reader", "commenter", "hasty", "target"):
    make_user(username=name, password="{password}")
article = make_article(title="Two hosts", slug="two-hosts", author=desk)
print(article.category_id, article.author_id)
"""


@pytest.fixture(scope="module")
def hosts(pg_cluster, collected_static, tmp_path_factory):
    """Started once for this module: each test uses its own users and pages."""
    client = emptied_redis(REDIS_URL)
    env = production_env(
        pg_cluster.create_database("two_hosts", template=TEMPLATE_DB),
        REDIS_URL=REDIS_URL,
        MEDIA_ROOT=str(tmp_path_factory.mktemp("shared-media")),  # one folder, as a shared volume would be
        DJANGO_PROXY_COUNT="1",  # behind one load balancer
    )
    ids = manage("shell", "-c", STAFF_AND_READERS.format(password=PASSWORD), env=env).stdout.split()
    first, second = Gunicorn(env, workers=1).start(), Gunicorn(env, workers=1).start()
    yield first, second, {"category": ids[-2], "author": ids[-1]}
    first.stop()
    second.stop()
    client.flushdb()


def test_a_session_made_on_one_host_works_on_the_other(hosts):
    first, second, _ = hosts
    reader = Reader()
    assert reader.log_in(first, "reader")[0] == 302
    status, _, html = reader.get(second, "/accounts/profile/")
    assert status == 200 and 'value="reader"' in html or "reader" in html
    assert reader.post_form(second, "/accounts/profile/", action="/accounts/logout/")[0] == 302
    assert reader.get(first, "/accounts/profile/")[0] == 302  # logged out everywhere


def test_a_comment_posted_through_one_host_shows_on_the_other(hosts):
    first, second, _ = hosts
    anonymous = Reader()
    assert "Not yet said" not in anonymous.get(second, "/articles/two-hosts/")[2]  # now cached there
    reader = Reader()
    reader.log_in(first, "commenter")
    status, _, _ = reader.post_form(
        first, "/articles/two-hosts/", action="/articles/two-hosts/comments/", body="Not yet said", parent=""
    )
    assert status == 302
    assert "Not yet said" in anonymous.get(second, "/articles/two-hosts/")[2]


def test_the_comment_rate_limit_holds_across_hosts(hosts):
    first, second, _ = hosts
    reader = Reader()
    reader.log_in(first, "hasty")
    page, action = "/articles/two-hosts/", "/articles/two-hosts/comments/"
    assert reader.post_form(first, page, action=action, body="First thought", parent="")[0] == 302
    status, _, html = reader.post_form(second, page, action=action, body="Second thought", parent="")
    assert status == 429 and "too fast" in html


def test_a_login_lockout_holds_across_hosts(hosts):
    first, second, _ = hosts
    attacker = Reader()
    for attempt in range(5):
        host = (first, second)[attempt % 2]
        assert attacker.log_in(host, "target", password=f"guess {attempt}")[0] in (200, 400, 429)
    for host in (first, second):
        status, _, _ = Reader().log_in(host, "target")  # the right password, from anyone, anywhere
        assert status == 429


def test_an_article_published_on_one_host_is_in_the_others_feed_and_sitemap(hosts):
    first, second, ids = hosts
    anonymous = Reader()
    for path in ("/feed/", "/sitemap.xml", "/"):
        assert "fresh-from-the-desk" not in anonymous.get(second, path)[2]  # cached on the second host
    desk = Reader()
    desk.log_in(first, "desk")
    status, _, html = desk.post_form(
        first, "/admin/articles/article/add/",
        title="Fresh from the desk", slug="fresh-from-the-desk", author=ids["author"],
        category=ids["category"], summary="A new piece", body="Published on the first host.",
        lead_image_alt="", lead_image_caption="", lead_image_credit="", status="published",
        published_at_0="", published_at_1="", comments_enabled="on", comments_close_after_days="",
    )  # fmt: skip
    assert status == 302, html[:2000]
    for path in ("/feed/", "/sitemap.xml", "/"):
        assert "fresh-from-the-desk" in anonymous.get(second, path)[2], path


def test_media_uploaded_through_one_host_is_served_by_both(hosts):
    first, second, _ = hosts
    desk = Reader()
    desk.log_in(first, "desk")
    _, _, page = desk.get(first, "/admin/articles/article/add/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    image = BytesIO()
    Image.new("RGB", (64, 48), "teal").save(image, "PNG")
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="desk.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + image.getvalue()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, _, answer = desk.request(
        first, "POST", "/markdownx/upload/", body=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "X-CSRFToken": token},
    )  # fmt: skip
    assert status == 200, answer
    url = re.search(r"\((/media/[^)]+)\)", answer).group(1)
    served = [Reader().get(host, url) for host in (first, second)]
    assert [s[0] for s in served] == [200, 200]
    assert served[0][2] == served[1][2]


def test_the_projects_nginx_spreads_readers_over_both_hosts(hosts, collected_static):
    if not Path(NGINX).exists():
        if os.environ.get("CI"):
            pytest.fail("nginx not found: apt-get install -y nginx")
        pytest.skip("nginx not found: apt-get install -y nginx")
    first, second, _ = hosts
    media = Path(tempfile.mkdtemp(prefix="newsblog-media-"))
    media.chmod(0o755)  # nginx's workers run as nobody when the tests run as root
    proxy = Nginx([f"127.0.0.1:{first.port}", f"127.0.0.1:{second.port}"], collected_static, media).start()
    try:
        for n in range(8):  # pages nobody has asked for: each one reaches an app host
            assert proxy.request("GET", f"/search/?q=balanced{n}")[0] == 200
        served = [host.output(limit=None).count("/search/?q=balanced") for host in (first, second)]
        assert sum(served) == 8 and min(served) > 0, served
    finally:
        proxy.stop()
        shutil.rmtree(media, ignore_errors=True)
