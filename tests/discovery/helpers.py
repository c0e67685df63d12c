"""Helpers for the discovery tests."""

import pytest
from django.db import connection

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search runs on PostgreSQL (CI's PostgreSQL pass)"
)
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite icontains fallback")
