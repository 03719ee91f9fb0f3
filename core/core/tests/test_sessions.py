"""A broken session cookie counts as no session, on every backend."""

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from core.asgi import application

BROKEN_KEYS = [
    "abcdefgh\x00ijklmnop",
    "\x00" * 32,
    "../../etc/passwd",
    "a" * 31 + "\x00",
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "cookie", [r'"abcdefgh\000ijklmnop"', r'"\000\000\000\000\000\000\000\000"']
)
@pytest.mark.parametrize(
    "path", ["/products/", "/accounts/login/", "/dashboard/products/"]
)
def test_a_session_cookie_with_nul_bytes_is_no_session(cookie, path):
    client = Client(HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}={cookie}")
    response = client.get(path)
    assert response.status_code in (200, 302)
    assert not response.wsgi_request.user.is_authenticated


@pytest.mark.django_db
@pytest.mark.parametrize("key", BROKEN_KEYS)
def test_the_session_store_treats_a_malformed_key_as_no_session(key):
    from core.sessions import SessionStore

    session = SessionStore(session_key=key)
    assert session.session_key is None
    assert session.load() == {}


@pytest.mark.socket
@pytest.mark.django_db(transaction=True)
async def test_the_feed_socket_refuses_a_nul_session_cookie_without_an_error():
    headers = [
        (b"origin", b"http://localhost"),
        (b"cookie", rb'sessionid="abcdefgh\000ijklmnop"'),
    ]
    communicator = WebsocketCommunicator(application, "/ws/products/", headers)
    try:
        accepted, close_code = await communicator.connect(timeout=3)
        if accepted:  # accepted, then closed as not allowed (4403)
            close_code = (await communicator.receive_output(timeout=3)).get("code")
        assert close_code == 4403
    finally:
        await communicator.disconnect()
