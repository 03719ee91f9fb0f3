"""Fixtures the products' tests share: the changes announced, a socket through
the real ASGI application, a browser context per page (modules import the
autouse socket clean-up from ``sockets``)."""

import pytest
import pytest_asyncio


@pytest.fixture
def announced():
    """The change sets announced (``recording.ChangeSet``) during the test."""
    # Imported here: the pure tests of this folder run without Django.
    from products.history.recording import changes_committed

    sets = []

    def listener(sender, change_set, **kwargs):
        sets.append(change_set)

    changes_committed.connect(listener)
    yield sets
    changes_committed.disconnect(listener)


@pytest.fixture
async def open_socket():
    """``await open_socket(path, user=None)`` -> (communicator, accepted), through
    the real ASGI application with the page's Origin (and ``user``'s session);
    every socket opened is disconnected at the end, even after a refusal."""
    # Imported here: the pure tests of this folder run without Django.
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator

    from core.asgi import application
    from products.tests.sockets import ORIGIN, session_cookie

    opened = []

    async def connect(path, user=None):
        headers = [(b"origin", ORIGIN.encode())]
        if user is not None:
            cookie = await sync_to_async(session_cookie)(user)
            headers.append((b"cookie", cookie.encode()))
        communicator = WebsocketCommunicator(application, path, headers)
        opened.append(communicator)
        accepted, _ = await communicator.connect(timeout=3)
        return communicator, accepted

    yield connect
    for communicator in opened:
        await communicator.disconnect()


@pytest_asyncio.fixture(loop_scope="module")
async def browser(module_chromium, module_daphne):
    """``await browser()`` -> a page of a fresh context."""
    contexts = []

    async def open_page():
        context = await module_chromium.new_context(base_url=module_daphne.url)
        contexts.append(context)
        return await context.new_page()

    yield open_page
    for context in contexts:
        await context.close()
