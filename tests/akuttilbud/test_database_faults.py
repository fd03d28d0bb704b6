"""The database connection dropping under the app (a restart, a failover, a network blip).

Requests go through Django's real WSGI handler rather than the test client, because the test
client switches off the per-request connection housekeeping (``close_old_connections``) that
``CONN_HEALTH_CHECKS`` relies on.
"""

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from tests.helpers import require_postgres


def _get(path, session_id):
    environ = RequestFactory().get(path, HTTP_COOKIE=f"sessionid={session_id}").environ
    status = []
    response = WSGIHandler()(environ, lambda code, headers, exc_info=None: status.append(code))
    try:
        body = b"".join(response)
    finally:
        response.close()
    return int(status[0].split()[0]), body.decode()


def _backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _terminate(pid):
    """Kill a server process from a second connection, as a database restart would."""
    other = connection.copy()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()


@pytest.fixture
def leader_session(client, leader_user):
    client.force_login(leader_user)
    return client.cookies["sessionid"].value


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_connection_dropped_between_requests_is_replaced_and_the_request_works(leader_session):
    require_postgres()
    assert _get(reverse("audit_log"), leader_session)[0] == 200
    dropped = _backend_pid()
    # Without this (CONN_HEALTH_CHECKS off) the next request reuses the dead connection: a 500.
    assert connection.health_check_enabled

    _terminate(dropped)
    status, body = _get(reverse("audit_log"), leader_session)

    assert status == 200, body
    assert _backend_pid() != dropped


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_connection_dropped_during_a_request_fails_it_with_the_503_page_and_the_next_works(leader_session):
    require_postgres()
    assert _get(reverse("audit_log"), leader_session)[0] == 200
    pid = _backend_pid()
    killed = []

    def kill_after_first_query(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not killed:
            killed.append(pid)
            _terminate(pid)
        return result

    with connection.execute_wrapper(kill_after_first_query):
        status, body = _get(reverse("audit_log"), leader_session)
    assert killed
    # The Danish 503 that says nothing was saved (akuttilbud.middleware.DatabaseRefusedMiddleware).
    assert status == 503
    assert "Intet blev gemt" in body
    assert "Traceback" not in body

    status, _body = _get(reverse("audit_log"), leader_session)
    assert status == 200
