"""Several daphne processes behind Debian's nginx, as ``deploy/`` runs them.

A change made through one process reaches the sockets the proxy gave the other;
when that other process dies, its sockets reconnect through the proxy to the
survivor and end complete; a process whose Redis is gone stops being ready and
nginx stops sending it requests; login throttling counts the real client.

The processes share one Redis (``REDIS_URL``, or a private ``redis-server`` when
it is empty, since only channels-redis connects processes) and the test database.
"""

import asyncio
import http.client
import os
import re
import time
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import Client
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from accounts.tests.factories import PASSWORD, StaffFactory
from core.testing.processes import RedisServer
from core.testing.proxy import PROXY_HEADERS, Nginx, Readiness, nginx_binary
from dashboard.tests.live_server import Daphne
from products.models import ProductChange
from products.tests.factories import ProductFactory, product_form_data
from products.tests.sockets import close_db_connections_after_async_test  # noqa: F401

pytestmark = [
    pytest.mark.skipif(nginx_binary() is None, reason="needs nginx (Debian's)"),
    pytest.mark.socket,
    pytest.mark.django_db(transaction=True),
]

WAIT = 20  # s: the longest any expected thing may take on a busy machine
ROW_ID = re.compile(r'<article class="change[^"]*" id="change-(\d+)"')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION_INPUT = re.compile(r'name="version" value="(\d+)"')
SOCKETS = re.compile(r'^shop_live_sockets\{stream="([^"]+)"\} (\S+)$', re.M)


# Servers ----------------------------------------------------------------------


@pytest.fixture
def shared_redis(tmp_path):
    """The Redis every process of the cluster shares."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    with RedisServer(tmp_path) as server:
        yield server.url


def start_cluster(tmp_path, redis_urls):
    """One daphne per Redis URL, as deploy/ runs them, nginx in front and the
    readiness loop; returns (daphnes, nginx, readiness), all started."""
    daphnes = []
    for url in redis_urls:
        daphne = None
        while daphne is None or any(other.port == daphne.port for other in daphnes):
            daphne = Daphne(
                tmp_path, args=PROXY_HEADERS, REDIS_URL=url, BEHIND_PROXY="true"
            )
        daphnes.append(daphne.start())
    nginx = Nginx(
        tmp_path / "nginx",
        [f"127.0.0.1:{daphne.port}" for daphne in daphnes],
        static_root=settings.STATICFILES_DIRS[0],
    ).start()
    readiness = Readiness(nginx).start()
    readiness.wait_for(f"ready [{' '.join(nginx.backends)}]")
    return daphnes, nginx, readiness


@pytest.fixture
def cluster(tmp_path, shared_redis):
    """Two daphne processes on one Redis behind nginx."""
    daphnes, nginx, readiness = start_cluster(tmp_path, [shared_redis] * 2)
    yield daphnes, nginx
    stop(daphnes, nginx, readiness)


def stop(daphnes, nginx, readiness):
    readiness.stop()
    nginx.stop()
    for daphne in daphnes:
        daphne.stop()
    # Shown by pytest when the test failed.
    print(readiness.log(), nginx.log()[-3000:], "\n".join(nginx.requests()[-40:]))
    for daphne in daphnes:
        print(f"--- daphne :{daphne.port}\n{daphne.log()[-3000:]}")


# HTTP -------------------------------------------------------------------------


def request(port, method, path, headers=None, body=None, source="127.0.0.1"):
    """(status, headers, body) of one request from the address ``source``."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=WAIT, source_address=(source, 0)
    )
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        connection.close()


def session_id(user):
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def edit_price(port, session, product, price):
    """The edit form, as staff sends it, to the daphne on ``port``."""
    cookie = f"{settings.SESSION_COOKIE_NAME}={session}"
    path = f"/products/{product.slug}/edit/"
    status, headers, page = request(port, "GET", path, {"Cookie": cookie})
    assert status == 200, page
    csrf = re.search(r"csrftoken=([^;]+)", headers["Set-Cookie"]).group(1)
    form = product_form_data(product, price=price)
    form.update(
        csrfmiddlewaretoken=CSRF_INPUT.search(page).group(1),
        version=VERSION_INPUT.search(page).group(1),
    )
    status, _, page = request(
        port,
        "POST",
        path,
        {
            "Cookie": f"{cookie}; csrftoken={csrf}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        urlencode(form),
    )
    assert status == 302, page


def latest_update():
    return (
        ProductChange.objects.filter(action=ProductChange.Action.UPDATED)
        .latest("pk")
        .pk
    )


def sockets_held(daphne):
    """{stream: live sockets} of one process, from its own /metrics."""
    status, _, text = request(daphne.port, "GET", "/metrics")
    assert status == 200
    return {name: float(value) for name, value in SOCKETS.findall(text)}


async def eventually(condition, what):
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {WAIT} s: {what}")
        await asyncio.sleep(0.05)


def wait_until(condition, what, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout} s: {what}")
        time.sleep(0.1)


class Listener:
    """A page's socket through the proxy: it keeps every frame and, as the page's
    script does, connects again to the same URL when the socket closes."""

    def __init__(self, nginx, path, cookie=None):
        self.url = f"ws://127.0.0.1:{nginx.port}{path}"
        self.headers = {"Origin": nginx.url}
        if cookie:
            self.headers["Cookie"] = cookie
        self.frames = []  # (connection number, text)
        self.connections = 0
        self.errors = []
        self.socket = None
        self.stopping = False
        self.task = None

    def start(self):
        self.task = asyncio.create_task(self.run())
        return self

    async def run(self):
        while not self.stopping:
            try:
                async with connect(
                    self.url,
                    additional_headers=self.headers,
                    open_timeout=10,
                    close_timeout=2,
                ) as socket:
                    self.socket = socket
                    self.connections += 1
                    async for text in socket:
                        self.frames.append((self.connections, text))
            except (OSError, WebSocketException, asyncio.TimeoutError) as error:
                self.errors.append(repr(error))
            if not self.stopping:
                await asyncio.sleep(0.2)

    def text(self, connection=None):
        return "".join(
            text for number, text in self.frames if connection in (None, number)
        )

    async def wait(self, condition, what):
        deadline = time.monotonic() + WAIT
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(
                    f"{self.url}: not within {WAIT} s: {what}; "
                    f"{self.connections} connections, errors {self.errors[-3:]}"
                )
            await asyncio.sleep(0.05)

    async def stop(self):
        self.stopping = True
        if self.socket is not None:
            await self.socket.close()
        try:
            await asyncio.wait_for(self.task, 5)
        except (asyncio.TimeoutError, ConnectionClosed):
            self.task.cancel()


def rows(listener):
    return {int(pk) for pk in ROW_ID.findall(listener.text())}


def prices(listener, product):
    pattern = rf'id="product-{product.pk}-price"[^>]*>([^<]+)<'
    return re.findall(pattern, listener.text())


# Tests ------------------------------------------------------------------------


async def test_sockets_follow_changes_across_processes_and_survive_one_dying(
    cluster,
):
    (first, second), nginx = cluster
    product = await sync_to_async(ProductFactory)(price=Decimal("10.00"))
    staff = await sync_to_async(StaffFactory)(username="editor")
    cookie = f"{settings.SESSION_COOKIE_NAME}={await sync_to_async(session_id)(staff)}"
    feeds = [Listener(nginx, "/ws/products/", cookie) for _ in range(2)]
    catalogs = [Listener(nginx, f"/ws/catalog/?p={product.pk}") for _ in range(2)]
    listeners = feeds + catalogs
    try:
        # One after the other: nginx (least_conn) gives each process one of each.
        for listener in listeners:
            listener.start()
            await listener.wait(lambda: listener.frames, "the current state")
        for daphne in (first, second):
            held = await asyncio.to_thread(sockets_held, daphne)
            assert held.get("feed") == 1 and held.get("catalog products") == 1, held

        session = await sync_to_async(session_id)(staff)

        async def edit(price):
            await asyncio.to_thread(edit_price, first.port, session, product, price)
            return await sync_to_async(latest_update)()

        changes = {await edit("11.00")}
        for feed in feeds:
            await feed.wait(lambda: changes <= rows(feed), "the first change's row")
        for catalog in catalogs:
            await catalog.wait(lambda: "$11.00" in prices(catalog, product), "$11.00")

        # The second process dies: its sockets come back through the proxy, to
        # the first, while changes go on.
        await asyncio.to_thread(second.kill)
        changes.add(await edit("12.00"))
        await eventually(
            lambda: sum(listener.connections for listener in listeners) == 6
            and all(
                listener.connections == 1 or listener.text(2) for listener in listeners
            ),
            "the dead process's two sockets connected again, with their state",
        )
        changes.add(await edit("13.00"))

        for feed in feeds:
            await feed.wait(lambda: changes <= rows(feed), f"rows {sorted(changes)}")
        for catalog in catalogs:
            await catalog.wait(
                lambda: prices(catalog, product)[-1] == "$13.00", "ending at $13.00"
            )
        # Exactly the dead process's sockets moved, and the survivor holds all.
        assert sorted(listener.connections for listener in feeds) == [1, 2]
        assert sorted(listener.connections for listener in catalogs) == [1, 2]
        held = await asyncio.to_thread(sockets_held, first)
        assert held.get("feed") == 2 and held.get("catalog products") == 2, held
    finally:
        for listener in listeners:
            await listener.stop()


def served_by(nginx, tag, count=10):
    """Send ``count`` requests through nginx; the daphne ports that served them."""
    for n in range(count):
        assert request(nginx.port, "GET", f"/healthz?probe={tag}-{n}")[0] == 200
    marker = f"probe={tag}-"

    def logged():
        return [line for line in nginx.requests() if marker in line]

    wait_until(lambda: len(logged()) == count, f"{count} requests logged")
    return {int(re.search(r"upstream=\S+:(\d+)", line).group(1)) for line in logged()}


@pytest.fixture
def cluster_with_private_redis(tmp_path, shared_redis):
    """Two daphne processes behind nginx; the second on a Redis of its own."""
    private = RedisServer(tmp_path).start()
    daphnes, nginx, readiness = start_cluster(tmp_path, [shared_redis, private.url])
    yield daphnes, nginx, readiness, private
    stop(daphnes, nginx, readiness)
    private.stop()


def test_a_process_whose_redis_is_gone_gets_no_new_requests(
    cluster_with_private_redis,
):
    (first, second), nginx, readiness, private = cluster_with_private_redis
    assert served_by(nginx, "both") == {first.port, second.port}

    private.kill()

    wait_until(
        lambda: request(second.port, "GET", "/readyz")[0] == 503, "/readyz says 503"
    )
    status, _, body = request(second.port, "GET", "/readyz")
    assert '"channel_layer": "failing"' in body
    readiness.wait_for(f"ready [127.0.0.1:{first.port}]")
    # nginx applies the new list when its reload is done (new workers).
    rounds = iter(range(1000))
    wait_until(
        lambda: served_by(nginx, f"reload-{next(rounds)}", 4) == {first.port},
        "nginx sends every request to the ready process",
    )
    assert served_by(nginx, "one") == {first.port}
    # The first is still ready, through the proxy too.
    assert request(nginx.port, "GET", "/readyz")[0] == 200


def log_in(port, username, password, source):
    """The login form through the proxy, from the client address ``source``."""
    status, headers, page = request(port, "GET", "/accounts/login/", source=source)
    assert status == 200
    csrf = re.search(r"csrftoken=([^;]+)", headers["Set-Cookie"]).group(1)
    form = {
        "csrfmiddlewaretoken": CSRF_INPUT.search(page).group(1),
        "username": username,
        "password": password,
    }
    return request(
        port,
        "POST",
        "/accounts/login/",
        {
            "Cookie": f"csrftoken={csrf}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        urlencode(form),
        source=source,
    )[0]


def test_login_throttling_counts_the_client_behind_the_proxy(cluster, staff_user):
    _, nginx = cluster
    attacker, user = "127.0.0.2", "127.0.0.3"

    failures = [log_in(nginx.port, "staff", "wrong", attacker) for _ in range(5)]

    assert failures == [200, 200, 200, 200, 429]
    assert log_in(nginx.port, "staff", PASSWORD, user) == 302
    assert log_in(nginx.port, "staff", PASSWORD, attacker) == 429


def test_the_proxy_serves_static_files_and_refuses_metrics_and_large_bodies(cluster):
    _, nginx = cluster
    status, headers, body = request(nginx.port, "GET", "/static/css/app.css")
    assert status == 200 and headers["Cache-Control"] == "public, max-age=2592000"
    assert body == (settings.STATICFILES_DIRS[0] / "css" / "app.css").read_text()
    # Per process only: never through the proxy, not even from its own machine.
    assert request(nginx.port, "GET", "/metrics")[0] == 404

    connection = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=WAIT)
    try:
        connection.putrequest("POST", "/accounts/login/")
        connection.putheader("Content-Length", str(settings.MAX_REQUEST_BODY_BYTES + 1))
        connection.endheaders()
        assert connection.getresponse().status == 413
    finally:
        connection.close()

    # nginx writes its access log after the response has gone out.
    def logged():
        return [line for line in nginx.requests() if '"POST /accounts/login/' in line]

    wait_until(lambda: len(logged()) == 1, "the refused POST logged")
    [line] = logged()
    assert " 413 " in line and "upstream=-" in line  # daphne never saw it
