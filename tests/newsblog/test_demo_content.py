"""`make run` loads the demo content every time: the staff account is made once and never changed."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from articles.models import Article

pytestmark = pytest.mark.django_db


def load():
    out = StringIO()
    call_command("load_demo_content", stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _environment(monkeypatch, settings, tmp_path):
    monkeypatch.delenv("NEWSBLOG_ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("NEWSBLOG_ADMIN_USERNAME", raising=False)
    settings.BASE_DIR = tmp_path


def can_log_in(password):
    editor = get_user_model().objects.get(username="editor")
    return editor.is_staff and editor.is_active and editor.check_password(password)


def printed_password(output):
    match = re.search(r"Staff login: editor / (\S+)", output)
    return match.group(1) if match else None


def test_first_run_makes_the_staff_account_and_prints_its_password_once():
    output = load()
    password = printed_password(output)
    assert password and "not shown again" in output
    assert can_log_in(password)
    assert Article.objects.filter(status=Article.Status.PUBLISHED).exists()
    assert all(article.tags.exists() for article in Article.objects.all())


def test_a_rerun_never_changes_the_account_or_shows_a_password(settings):
    first = printed_password(load())
    editor = get_user_model().objects.get(username="editor")
    editor.set_password("my own passphrase 2026")
    editor.save()
    articles = Article.objects.count()
    output = load()
    assert printed_password(output) is None and first not in output
    assert "account unchanged" in output and "changepassword editor" in output
    assert can_log_in("my own passphrase 2026")
    assert not can_log_in(first)
    assert Article.objects.count() == articles
    assert not (settings.BASE_DIR / ".admin-password").exists()  # no password written in clear


def test_a_password_file_left_by_an_older_version_is_removed(settings):
    stale = settings.BASE_DIR / ".admin-password"
    stale.write_text("old-secret\n")
    load()
    assert not stale.exists()


def test_the_password_can_be_chosen_for_a_new_account(monkeypatch):
    monkeypatch.setenv("NEWSBLOG_ADMIN_PASSWORD", "chosen-passphrase-77")
    assert printed_password(load()) == "chosen-passphrase-77"
    assert can_log_in("chosen-passphrase-77")


def test_demo_articles_share_tags_for_related_reading(client):
    load()
    library = Article.objects.get(slug="the-library-that-never-closes")
    # The tree plan shares "Public services" with it: it comes before the newer market story of the
    # same section.
    assert "trees-on-every-street" in [article.slug for article in library.related(limit=1)]
    assert client.get("/tags/public-services/").status_code == 200


def test_a_rerun_tags_demo_articles_loaded_before_tags():
    load()
    Article.tags.through.objects.all().delete()
    load()
    assert all(article.tags.exists() for article in Article.objects.all())


def test_the_demo_makes_a_writer_and_an_editor_once_and_prints_their_passwords():
    from articles import roles

    output = load()
    for username, role in (("writer", roles.WRITER), ("deskeditor", roles.EDITOR)):
        match = re.search(rf"login: {username} / (\S+)", output)
        assert match, output
        user = get_user_model().objects.get(username=username)
        assert user.is_staff and not user.is_superuser and user.check_password(match.group(1))
        assert list(user.groups.values_list("name", flat=True)) == [role]
    again = load()
    assert "writer (account unchanged)" in again and "deskeditor (account unchanged)" in again
    assert not re.search(r"login: (writer|deskeditor) / ", again)
