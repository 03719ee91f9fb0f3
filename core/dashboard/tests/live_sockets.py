"""Live sockets against a real daphne, opened the way a browser opens them."""

import asyncio
import time

from django.conf import settings
from django.test import Client
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


def log_in(user):
    """A new session for ``user``: its key (the session cookie's value)."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def log_out(session_key):
    """POST /accounts/logout/ with that session's cookie, as its browser would."""
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    assert client.post("/accounts/logout/").status_code == 302


async def open_feed(server, session_key):
    """A same-origin feed socket with that session, once its state arrived."""
    return await open_live(server, session_key, "/ws/products/")


async def open_live(server, session_key, path):
    """A same-origin socket to ``path`` with that session, once its state arrived."""
    socket = await connect(
        f"ws://127.0.0.1:{server.port}{path}",
        additional_headers={
            "Origin": server.url,
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}",
        },
        open_timeout=10,
        close_timeout=2,
        max_size=None,
    )
    await asyncio.wait_for(socket.recv(), 10)
    return socket


async def close_code_within(socket, seconds, since=None):
    """(close code, seconds it took since ``since`` or now, a ``time.monotonic()``);
    the code is None if still open ``seconds`` after. Frames arriving meanwhile
    are read and dropped."""
    started = time.monotonic() if since is None else since
    try:
        async with asyncio.timeout(started + seconds - time.monotonic()):
            while True:
                await socket.recv()
    except ConnectionClosed:
        return socket.close_code, time.monotonic() - started
    except TimeoutError:
        return None, time.monotonic() - started


async def frame_containing(socket, text, seconds, since=None):
    """Seconds until a frame containing ``text`` arrived (since ``since`` or now);
    TimeoutError if none did within ``seconds``."""
    started = time.monotonic() if since is None else since
    async with asyncio.timeout(started + seconds - time.monotonic()):
        while text not in await socket.recv():
            pass
    return time.monotonic() - started
