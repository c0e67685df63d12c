import pytest

from tests.factories import make_staff


@pytest.fixture
def staff_client(client):
    """A test client signed in as a superuser (the staff member is `client.staff`)."""
    staff = make_staff(is_superuser=True)
    client.force_login(staff)
    client.staff = staff
    return client
