"""The hub's re-checks of its sockets, with a fake transport and a faked database."""

import asyncio
from datetime import timedelta

import pytest
from django.utils import timezone

from live import validity
from live.hub import Hub
from live.protocol import CLOSE_NOT_ALLOWED
from live.validity import Credentials

from .test_hub import FakeLayer, FakeSocket, connect


@pytest.fixture
async def hub():
    hub = Hub(FakeLayer())
    yield hub
    if hub.channel is not None:
        await hub.unsubscribe()


def sessions_ended(monkeypatch, *ended):
    """The database (faked) says these sessions ended."""
    monkeypatch.setattr(
        validity,
        "valid_until",
        lambda given: {c: None for c in given if c.session_key not in ended},
    )


def sessions_expiring(monkeypatch, **expiry):
    """The database (faked) keeps these sessions until their expiry date."""

    def valid_until(given):
        now = timezone.now()
        return {c: expiry[c.session_key] for c in given if expiry[c.session_key] > now}

    monkeypatch.setattr(validity, "valid_until", valid_until)
    return expiry


def in_seconds(seconds):
    return timezone.now() + timedelta(seconds=seconds)


async def watched_socket(hub, user_id, session_key):
    socket = FakeSocket()
    await connect(hub, socket)
    hub.watch(socket, Credentials(user_id, session_key))
    return socket


async def test_a_hint_closes_only_sockets_whose_session_ended(hub, monkeypatch):
    sessions_ended(monkeypatch, "ended")
    ended = await watched_socket(hub, 1, "ended")
    hinted_but_valid = await watched_socket(hub, 1, "still-valid")
    hub.recheck([1], [])
    await asyncio.sleep(0.1)  # the check runs in a thread
    assert ended.closed_with == CLOSE_NOT_ALLOWED
    assert hinted_but_valid.closed_with is None


async def test_a_hint_that_arrives_while_a_socket_joins_still_counts(hub, monkeypatch):
    sessions_ended(monkeypatch, "ending")
    await watched_socket(hub, 1, "elsewhere")
    hub.recheck([], ["ending"])  # before the socket below is watched
    joining = await watched_socket(hub, 2, "ending")
    await asyncio.sleep(0.1)
    assert joining.closed_with == CLOSE_NOT_ALLOWED


async def test_sockets_stay_open_when_the_database_cannot_answer(hub, monkeypatch):
    def unreachable(given):
        raise ConnectionError("database down")

    monkeypatch.setattr(validity, "valid_until", unreachable)
    socket = await watched_socket(hub, 1, "session")
    hub.recheck([1], [])
    await asyncio.sleep(0.1)
    assert socket.closed_with is None


async def test_every_socket_is_rechecked_periodically(hub, monkeypatch, settings):
    settings.FEED_REVALIDATE_SECONDS = 0.05
    sessions_ended(monkeypatch, "expired")
    expired = await watched_socket(hub, 1, "expired")
    valid = await watched_socket(hub, 2, "valid")
    await asyncio.sleep(0.3)  # no hint: only the periodic check can see it
    assert (expired.closed_with, valid.closed_with) == (CLOSE_NOT_ALLOWED, None)


async def test_a_socket_closes_when_its_session_expires(hub, monkeypatch, settings):
    settings.FEED_REVALIDATE_SECONDS = 60  # the periodic check cannot explain it
    sessions_expiring(monkeypatch, soon=in_seconds(0.2), later=in_seconds(60))
    expiring = await watched_socket(hub, 1, "soon")
    staying = await watched_socket(hub, 2, "later")
    await asyncio.sleep(0.1)
    assert expiring.closed_with is None
    await asyncio.sleep(0.3)
    assert (expiring.closed_with, staying.closed_with) == (CLOSE_NOT_ALLOWED, None)


async def test_an_extended_session_keeps_its_socket_until_the_new_expiry(
    hub, monkeypatch, settings
):
    settings.FEED_REVALIDATE_SECONDS = 60
    expiry = sessions_expiring(monkeypatch, session=in_seconds(0.2))
    socket = await watched_socket(hub, 1, "session")
    await asyncio.sleep(0.1)
    expiry["session"] = in_seconds(0.4)  # a request extended it meanwhile
    await asyncio.sleep(0.3)
    assert socket.closed_with is None
    await asyncio.sleep(0.3)
    assert socket.closed_with == CLOSE_NOT_ALLOWED
