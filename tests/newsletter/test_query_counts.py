"""The newsletter pages cost the same few queries however many sections and subscribers there are."""

import pytest

from newsletter.services import manage_token
from tests.factories import make_category, make_user
from tests.newsletter.factories import make_subscriber

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("sections", [1, 12])
def test_subscribe_page_queries(client, django_assert_num_queries, sections):
    for _ in range(sections):
        make_category()
    client.get("/newsletter/")  # warms the cached section menu
    # the menu's version, the sections to choose from
    with django_assert_num_queries(2):
        response = client.get("/newsletter/")
    assert response.status_code == 200


@pytest.mark.parametrize("sections", [1, 12])
def test_signed_in_subscribe_page_queries(client, django_assert_num_queries, sections):
    categories = [make_category() for _ in range(sections)]
    user = make_user()
    make_subscriber(user.email, sections=categories)
    client.force_login(user)
    client.get("/newsletter/")
    # session, user, the menu's version, the subscription, its sections, the sections to choose from
    with django_assert_num_queries(6):
        response = client.get("/newsletter/")
    assert response.status_code == 200


@pytest.mark.parametrize("sections", [1, 12])
def test_manage_page_queries(client, django_assert_num_queries, sections):
    categories = [make_category() for _ in range(sections)]
    subscriber = make_subscriber("reader@example.com", sections=categories)
    url = f"/newsletter/manage/{manage_token(subscriber)}/"
    client.get(url)
    # the menu's version, the subscriber, its sections, the sections to choose from
    with django_assert_num_queries(4):
        response = client.get(url)
    assert response.status_code == 200
