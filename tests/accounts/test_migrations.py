"""The migration that adds username skeletons keeps existing accounts working, look-alikes included."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("accounts", "0001_initial")]
AFTER = [("accounts", "0002_username_skeleton_and_confirmation")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_to_latest():
    """Every app back at its newest migration, as the tests after this one expect."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_existing_lookalikes_both_keep_their_accounts():
    old_apps = migrate(BEFORE)
    OldUser = old_apps.get_model("accounts", "User")
    for n, username in enumerate(["admin", "аdmin", "paypal", "paypa1", "alice"]):
        OldUser.objects.create(username=username, email=f"user{n}@example.org")
    try:
        new_apps = migrate(AFTER)
        User = new_apps.get_model("accounts", "User")
        skeletons = dict(User.objects.values_list("username", "username_skeleton"))
        assert skeletons["admin"] == "adrnin"
        assert skeletons["аdmin"].startswith("adrnin #")
        assert skeletons["paypal"] == "paypal"
        assert skeletons["paypa1"].startswith("paypal #")
        assert skeletons["alice"] == "alice"
        assert not User.objects.filter(awaiting_confirmation=True).exists()
    finally:
        migrate_to_latest()
