import pytest
from django.db import OperationalError

from tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_unknown_url_gets_the_site_404_page(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"newsblog" in response.content


def test_database_outage_is_a_503_with_retry_after(client, monkeypatch):
    article = make_article()

    def refuse(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("django.db.models.query.QuerySet._fetch_all", refuse)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert b"temporarily unavailable" in response.content
    assert b"Traceback" not in response.content


def test_outage_raised_outside_a_view_is_still_a_503(rf, monkeypatch):
    from newsblog.views import server_error

    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(rf.get("/"))
    assert response.status_code == 503
    assert "Retry-After" in response


def test_other_server_errors_render_the_500_page(rf):
    from newsblog.views import server_error

    try:
        raise ValueError("bug")
    except ValueError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content


def test_missing_csrf_token_gets_the_site_403_page(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    assert b"This form has expired" in response.content


def test_media_files_cannot_run_script(client, settings, tmp_path):
    media = tmp_path / "media"
    media.mkdir(exist_ok=True)
    settings.MEDIA_ROOT = media
    (media / "evil.html").write_text("<script>alert(1)</script>")
    response = client.get("/media/evil.html")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    # Path traversal is refused as a bad request, never served.
    assert client.get("/media/../settings.py").status_code == 400


def test_a_session_that_cannot_be_saved_during_an_outage_is_a_503_not_a_400(client, monkeypatch):
    """A login posted as the database stops: Django reports the failed session save as a 400."""
    from django.contrib.sessions.models import Session

    from tests.factories import make_user

    make_user(username="reader", password="a sturdy passphrase 42")
    client.get("/accounts/login/")
    real_save = Session.save

    def refuse(self, *args, **kwargs):
        if kwargs.get("force_update"):  # the new session row is made, then the database is gone
            raise OperationalError("server closed the connection unexpectedly")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Session, "save", refuse)
    response = client.post("/accounts/login/", {"username": "reader", "password": "a sturdy passphrase 42"})
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()


def test_a_session_interrupted_for_another_reason_is_still_a_400(rf):
    from django.contrib.sessions.exceptions import SessionInterrupted

    from newsblog.views import bad_request

    response = bad_request(rf.get("/"), SessionInterrupted("deleted by a concurrent logout"))
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/articles/%00/", "/authors/%00x/", "/%00", "/search/%00/"])
def test_a_nul_byte_in_the_path_is_no_page_at_all(client, path):
    assert client.get(path).status_code == 404
