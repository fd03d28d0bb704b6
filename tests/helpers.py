"""Helpers shared by the test modules."""

import os

import pytest


def require(condition, reason):
    """Skip when a real dependency is missing on a developer's machine; fail in CI (CI=true)."""
    if condition:
        return
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def require_postgres():
    from django.db import connection

    require(connection.vendor == "postgresql", "needs PostgreSQL (run with DATABASE_URL=postgres://...)")


def with_token(data=None):
    """Form data with the one-time token a create form's page renders (``akuttilbud.once``)."""
    import uuid

    return {**(data or {}), "once_token": str(uuid.uuid4())}
