"""The hub's re-checks of its sockets, with a fake transport and a faked database."""

from datetime import timedelta

import pytest
from django.utils import timezone

from live import validity
from live.hub import Hub
from live.protocol import CLOSE_NOT_ALLOWED
from live.validity import Credentials

from .test_hub import FakeLayer, FakeSocket, connect, settle, until


@pytest.fixture
async def hub():
    hub = Hub(FakeLayer())
    yield hub
    if hub.channel is not None:
        await hub.unsubscribe()


def sessions_ended(monkeypatch, *ended):
    """The database (faked) says these sessions ended; returns the batches it
    was asked about."""
    asked = []

    def valid_until(given):
        asked.append(set(given))
        return {c: None for c in given if c.session_key not in ended}

    monkeypatch.setattr(validity, "valid_until", valid_until)
    return asked


def sessions_expiring(monkeypatch, **expiry):
    """The database (faked) keeps these sessions until their expiry date."""

    def valid_until(given):
        now = timezone.now()
        expiry["asked"] = expiry.get("asked", 0) + 1
        return {c: expiry[c.session_key] for c in given if expiry[c.session_key] > now}

    monkeypatch.setattr(validity, "valid_until", valid_until)
    return expiry


def in_seconds(seconds):
    return timezone.now() + timedelta(seconds=seconds)


class TimedSocket(FakeSocket):
    """Notes when it was closed."""

    closed_at = None

    async def close(self, code):
        self.closed_at = timezone.now()
        await super().close(code)


async def watched_socket(hub, user_id, session_key):
    socket = TimedSocket()
    await connect(hub, socket)
    hub.watch(socket, Credentials(user_id, session_key))
    return socket


async def test_a_hint_closes_only_sockets_whose_session_ended(hub, monkeypatch):
    sessions_ended(monkeypatch, "ended")
    ended = await watched_socket(hub, 1, "ended")
    hinted_but_valid = await watched_socket(hub, 1, "still-valid")
    hub.recheck([1], [])
    # The check runs in a thread; both sockets are in its batch.
    await until(lambda: ended.closed_with is not None)
    assert ended.closed_with == CLOSE_NOT_ALLOWED
    assert hinted_but_valid.closed_with is None


async def test_a_hint_that_arrives_while_a_socket_joins_still_counts(hub, monkeypatch):
    sessions_ended(monkeypatch, "ending")
    await watched_socket(hub, 1, "elsewhere")
    hub.recheck([], ["ending"])  # before the socket below is watched
    joining = await watched_socket(hub, 2, "ending")
    await until(lambda: joining.closed_with is not None)
    assert joining.closed_with == CLOSE_NOT_ALLOWED


async def test_sockets_stay_open_when_the_database_cannot_answer(hub, monkeypatch):
    asked = []

    def unreachable(given):
        asked.append(given)
        raise ConnectionError("database down")

    monkeypatch.setattr(validity, "valid_until", unreachable)
    socket = await watched_socket(hub, 1, "session")
    await until(lambda: asked)  # the check when it was watched
    hub.recheck([1], [])
    await until(lambda: len(asked) >= 2 and hub.revalidator.rechecking is None)
    await settle()
    assert socket.closed_with is None


async def test_every_socket_is_rechecked_periodically(hub, monkeypatch, settings):
    settings.LIVE_REVALIDATE_SECONDS = 0.05
    asked = sessions_ended(monkeypatch)
    expired = await watched_socket(hub, 1, "expired")
    valid = await watched_socket(hub, 2, "valid")
    await until(lambda: len(asked) >= 1 and hub.revalidator.rechecking is None)
    sessions_ended(monkeypatch, "expired")  # since: no hint tells the hub
    await until(lambda: expired.closed_with is not None)
    assert (expired.closed_with, valid.closed_with) == (CLOSE_NOT_ALLOWED, None)


async def test_a_socket_closes_when_its_session_expires(hub, monkeypatch, settings):
    settings.LIVE_REVALIDATE_SECONDS = 60  # the periodic check cannot explain it
    expiry = sessions_expiring(monkeypatch, soon=in_seconds(0.2), later=in_seconds(60))
    expiring = await watched_socket(hub, 1, "soon")
    staying = await watched_socket(hub, 2, "later")
    await until(lambda: expiring.closed_with is not None)
    assert (expiring.closed_with, staying.closed_with) == (CLOSE_NOT_ALLOWED, None)
    assert expiring.closed_at >= expiry["soon"]  # not a moment before


async def test_an_extended_session_keeps_its_socket_until_the_new_expiry(
    hub, monkeypatch, settings
):
    settings.LIVE_REVALIDATE_SECONDS = 60
    expiry = sessions_expiring(monkeypatch, session=in_seconds(0.2))
    socket = await watched_socket(hub, 1, "session")
    await until(lambda: expiry.get("asked"))  # its first expiry is known
    expiry["session"] = in_seconds(0.4)  # a request extended it meanwhile
    await until(lambda: socket.closed_with is not None)
    assert socket.closed_with == CLOSE_NOT_ALLOWED
    assert socket.closed_at >= expiry["session"]  # the new expiry, not the old
