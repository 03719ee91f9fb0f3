"""/healthz and /readyz, for load balancers: never a secret in the answer."""

import json
import urllib.error
import urllib.request

import pytest

from core.testing.processes import free_port


def test_healthz_answers_without_touching_anything(client):
    # No database in this test: any query would raise.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db(transaction=True)
def test_readyz_is_ready_with_the_database_and_the_channel_layer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "channel_layer": "ok"},
    }
    assert "no-cache" in response["Cache-Control"]


def get(server, path):
    try:
        with urllib.request.urlopen(server.url + path, timeout=15) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_readyz_names_an_unreachable_channel_layer(start_daphne):
    closed = f"redis://:hunter2@127.0.0.1:{free_port()}/0"
    server = start_daphne(REDIS_URL=closed)
    status, body = get(server, "/readyz")
    assert status == 503
    assert json.loads(body)["checks"] == {"database": "ok", "channel_layer": "failing"}
    assert "hunter2" not in body and "127.0.0.1" not in body
    assert get(server, "/healthz")[0] == 200


def broken_database(connection):
    """What makes the daphne's database unreachable, for the backend in use."""
    if connection.vendor == "sqlite":
        return "/nonexistent-folder/broken.sqlite3"
    return "no_such_database_for_readyz"


def test_readyz_names_an_unreachable_database(start_daphne):
    from django.db import connection

    server = start_daphne(LIVE_SERVER_DATABASE=broken_database(connection))
    status, body = get(server, "/readyz")
    assert status == 503
    assert json.loads(body)["checks"] == {"database": "failing", "channel_layer": "ok"}
    assert "no_such_database" not in body and "nonexistent" not in body
