import pytest
from django.db import OperationalError
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_when_database_answers_and_migrations_are_applied(
    client, django_assert_max_num_queries
):
    # one query to check the connection is alive is not needed; the migration table read is one
    with django_assert_max_num_queries(2):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_healthz_reports_pending_migrations(client, monkeypatch):
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("fake", False)])
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "reason": "1 migration(s) not applied"}


def test_healthz_reports_unreachable_database(client, monkeypatch):
    def refuse(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr("django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "reason": "database unavailable"}


def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405


def test_livez_answers_without_touching_the_database(client, django_assert_num_queries, monkeypatch):
    def refuse(self):
        raise OperationalError("connection refused")

    with django_assert_num_queries(0):
        monkeypatch.setattr("django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection", refuse)
        response = client.get("/livez")
        monkeypatch.undo()
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/readyz", "/healthz"])
def test_readiness_is_the_same_check_at_both_addresses(client, path, monkeypatch):
    assert client.get(path).json() == {"status": "ok"}
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("fake", False)])
    response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
