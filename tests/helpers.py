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


def redis_reachable(url):
    """Whether a Redis server answers at ``url``, for the tests that start a real worker."""
    import redis

    try:
        return redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError:
        return False


def postgres_url(name=None):
    """The URL of a database (the test run's own by default) on the PostgreSQL server the tests
    run against, for a process started beside them."""
    from django.db import connection

    settings = connection.settings_dict
    return "postgres://{user}:{password}@{host}:{port}/{name}".format(
        user=settings["USER"] or "postgres",
        password=settings["PASSWORD"] or "",
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        name=name or settings["NAME"],
    )


def at_once(*tasks, timeout=120):
    """Run each of ``tasks`` in its own thread, all released at the same moment, each with its
    own database connection; return their results in order and the exceptions they raised."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(len(tasks))
    results, errors = [None] * len(tasks), []

    def run(index, task):
        try:
            barrier.wait()
            results[index] = task()
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(tasks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results, errors
