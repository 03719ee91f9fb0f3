"""The feed socket opens only from the site's own origins, checked by a real daphne."""

import pytest
from django.conf import settings
from django.test import Client
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from accounts.tests.factories import StaffFactory
from core.origins import own_origins, request_scheme


def staff_cookie():
    client = Client()
    client.force_login(StaffFactory(username="origin-staff"))
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


def open_feed(server, origin, cookie):
    """The handshake's HTTP status: 101 opened, 403 refused."""
    url = server.url.replace("http://", "ws://") + "/ws/products/"
    try:
        with connect(
            url, origin=origin, additional_headers={"Cookie": cookie}, open_timeout=5
        ) as socket:
            socket.recv(timeout=5)  # the feed's current state: really open
            return 101
    except InvalidStatus as refused:
        return refused.response.status_code


def test_the_sites_own_origin_opens_the_feed(daphne):
    assert open_feed(daphne, daphne.url, staff_cookie()) == 101


@pytest.mark.parametrize(
    "origin",
    [
        "http://127.0.0.1:9999",  # another port of the same host
        "https://127.0.0.1",  # another scheme (and port)
        "https://127.0.0.1:{port}",  # another scheme, same port
        "http://localhost:{port}",  # an allowed host, but not the one in use
        "http://evil.example:{port}",
        "null",
    ],
)
def test_any_other_origin_is_refused(daphne, origin):
    origin = origin.format(port=daphne.port)
    assert open_feed(daphne, origin, staff_cookie()) == 403


def test_a_trusted_origin_opens_the_feed(start_daphne):
    server = start_daphne(CSRF_TRUSTED_ORIGINS="https://shop.example:8443")
    cookie = staff_cookie()
    assert open_feed(server, "https://shop.example:8443", cookie) == 101
    assert open_feed(server, "https://shop.example", cookie) == 403


def scope(scheme="ws", host=None, **headers):
    pairs = [
        (name.replace("_", "-").encode(), value.encode())
        for name, value in headers.items()
    ]
    if host is not None:
        pairs.append((b"host", host.encode()))
    return {"type": "websocket", "scheme": scheme, "headers": pairs}


def test_behind_a_tls_proxy_the_forwarded_scheme_counts(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = scope(host="shop.example", x_forwarded_proto="https")
    assert request_scheme(proxied) == "https"
    settings.ALLOWED_HOSTS = ["shop.example"]
    assert own_origins(proxied) == {("https", "shop.example", 443)}
    assert request_scheme(scope(host="shop.example")) == "http"


def test_a_host_outside_allowed_hosts_has_no_origin_of_its_own(settings):
    settings.ALLOWED_HOSTS = ["shop.example"]
    assert own_origins(scope(host="evil.example:8000")) == set()
    assert own_origins(scope("wss", host="shop.example:8443")) == {
        ("https", "shop.example", 8443)
    }


def test_with_use_x_forwarded_host_the_forwarded_host_counts(settings):
    settings.ALLOWED_HOSTS = ["shop.example"]
    forwarded = scope(host="10.0.0.5:8000", x_forwarded_host="shop.example")
    assert own_origins(forwarded) == set()  # the backend's own address: not allowed
    settings.USE_X_FORWARDED_HOST = True
    assert own_origins(forwarded) == {("http", "shop.example", 80)}
