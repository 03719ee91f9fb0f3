"""HTTP requests run their sync code on long-lived threads, borrowed per request."""

import asyncio
import threading
from unittest import mock

import pytest
from asgiref.sync import SyncToAsync, ThreadSensitiveContext, sync_to_async
from channels.testing import ApplicationCommunicator
from django.db import connections

from core.request_threads import RequestThreads
from products.tests.factories import ProductFactory


@pytest.fixture(autouse=True)
async def close_db_connections_after_async_test():
    """On PostgreSQL an open connection in a worker thread keeps the test
    database from being dropped."""
    yield
    await sync_to_async(connections.close_all)()


def thread_name():
    return threading.current_thread().name


def django_like_app(names, release=None):
    """An ASGI app that, like Django's handler, opens its own thread-sensitive
    context and runs sync code in it, recording the thread's name."""

    async def app(scope, receive, send):
        async with ThreadSensitiveContext():
            names.append(await sync_to_async(thread_name)())
            if release is not None:
                await release.wait()

    return app


async def test_requests_one_after_another_reuse_the_same_thread():
    names = []
    app = RequestThreads(django_like_app(names), size=1)

    for _ in range(3):
        await app({"type": "http"}, None, None)

    assert len(set(names)) == 1
    assert names[0].startswith("request-0")


async def test_a_request_waits_while_every_thread_is_busy():
    names, release = [], asyncio.Event()
    app = RequestThreads(django_like_app(names, release), size=1)

    first = asyncio.create_task(app({"type": "http"}, None, None))
    second = asyncio.create_task(app({"type": "http"}, None, None))
    await asyncio.sleep(0.2)
    assert len(names) == 1  # the second has no thread yet

    release.set()
    await asyncio.gather(first, second)
    assert len(names) == 2


async def test_concurrent_requests_get_threads_of_their_own():
    names, release = [], asyncio.Event()
    app = RequestThreads(django_like_app(names, release), size=2)

    tasks = [asyncio.create_task(app({"type": "http"}, None, None)) for _ in "ab"]
    await asyncio.sleep(0.2)
    release.set()
    await asyncio.gather(*tasks)

    assert len(set(names)) == 2


async def test_websockets_borrow_no_thread():
    names = []
    app = RequestThreads(django_like_app(names), size=1)
    app.executors().get_nowait()  # the only thread is busy

    await asyncio.wait_for(app({"type": "websocket"}, None, None), timeout=2)

    assert len(names) == 1
    assert not names[0].startswith("request-")


def http_scope(path, query=b""):
    return {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def get(application, path):
    communicator = ApplicationCommunicator(application, http_scope(path))
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(timeout=10)
    await communicator.receive_output(timeout=10)  # the body
    await communicator.wait(timeout=5)
    return start["status"]


@pytest.mark.django_db(transaction=True)
async def test_a_catalog_request_crosses_between_loop_and_threads_a_few_times():
    """Django's own middleware crosses to a thread and back for each of its hooks
    in an async chain; the project's chain runs in one thread (see
    core.middleware.RunMiddlewareInOneThread)."""
    from core.asgi import application

    await sync_to_async(ProductFactory)()
    await get(application, "/products/")  # first use: loads what it needs once
    real_call = SyncToAsync.__call__
    crossings = []

    def counted(self, *args, **kwargs):
        crossings.append(getattr(self.func, "__qualname__", repr(self.func)))
        return real_call(self, *args, **kwargs)

    with mock.patch.object(SyncToAsync, "__call__", counted):
        status = await get(application, "/products/")

    assert status == 200
    # The request signal, the chain, CSRF's view hook, the view, closing.
    # Before the chain ran in one thread this was 15.
    assert len(crossings) <= 5, crossings
