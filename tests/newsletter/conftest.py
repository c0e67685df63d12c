import re

import pytest

from tests.factories import make_staff


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff_client(client):
    """A test client signed in as a superuser."""
    client.force_login(make_staff(is_superuser=True))
    return client


def link_in(message, name):
    """The path of the first /newsletter/<name>/... link in a mail's text."""
    match = re.search(rf"https?://[^/\s]+(/newsletter/{name}/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)
