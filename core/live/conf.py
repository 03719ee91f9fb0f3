"""The live layer's settings: ``LIVE_*``, each with its default here.

The layer once read ``FEED_*`` names (it grew out of the staff feed) and
``PRESENCE_*`` ones. A deployment may still set those: they are read, with a
``DeprecationWarning``, and win over the new name, since the project's own
settings no longer define them (their presence means someone still sets them).
"""

import os
import warnings
from collections.abc import Callable
from typing import Literal, TypeVar, overload

from django.conf import settings

DEFAULTS = {
    # Frames waiting in one socket's outbox, and bytes the server still holds
    # for it, past which the socket is closed as too slow (4013).
    "LIVE_OUTBOX_FRAMES": 256,
    "LIVE_MAX_UNSENT_BYTES": 1024 * 1024,
    # Senders are woken at most once per round of sending, reckoned at this
    # much per socket.
    "LIVE_WAKE_SECONDS_PER_SOCKET": 0.00005,
    # The announcer gives its database connection back after this long idle.
    "LIVE_ANNOUNCER_IDLE_SECONDS": 10.0,
    # Every socket's session and user are re-checked this often.
    "LIVE_REVALIDATE_SECONDS": 5.0,
    # The hub re-joins its transport groups this often.
    "LIVE_REJOIN_SECONDS": 2.0,
    # The hub looks for events no push brought this often.
    "LIVE_CATCHUP_SECONDS": 2.0,
    # A socket resumes from its page's point with at most this many events;
    # further behind, it gets the whole state (protocol.py, "Resume").
    "LIVE_RESUME_MAX_EVENTS": 50,
    # Presence entries are renewed this often and expire this long after.
    "LIVE_PRESENCE_BEAT_SECONDS": 1.5,
    "LIVE_PRESENCE_TTL_SECONDS": 5.0,
    # Topics one socket may join (a stream's topics come from the request): the
    # largest page, the staff table's 200 rows, follows 201 with its listing.
    "LIVE_MAX_TOPICS_PER_SOCKET": 256,
    # Sockets without a logged-in user, in total, in one process (4429 past it).
    "LIVE_ANONYMOUS_SOCKETS_PER_PROCESS": 10_000,
    # The longest the hub waits for one transport or store operation, or for its
    # tasks to end after they were cancelled.
    "LIVE_IO_TIMEOUT_SECONDS": 3.0,
    # Per-address socket counts across processes: each process renews its
    # sockets' entries this often; a dead process's entries expire after the TTL.
    "LIVE_ADDRESS_BEAT_SECONDS": 10.0,
    "LIVE_ADDRESS_TTL_SECONDS": 30.0,
}

# The names the layer read before; same meaning, same units.
OLD_NAMES = {
    "LIVE_OUTBOX_FRAMES": "FEED_OUTBOX_FRAMES",
    "LIVE_MAX_UNSENT_BYTES": "FEED_MAX_UNSENT_BYTES",
    "LIVE_WAKE_SECONDS_PER_SOCKET": "FEED_WAKE_SECONDS_PER_SOCKET",
    "LIVE_ANNOUNCER_IDLE_SECONDS": "FEED_ANNOUNCER_IDLE_SECONDS",
    "LIVE_REVALIDATE_SECONDS": "FEED_REVALIDATE_SECONDS",
    "LIVE_REJOIN_SECONDS": "FEED_REJOIN_SECONDS",
    "LIVE_CATCHUP_SECONDS": "FEED_CATCHUP_SECONDS",
    "LIVE_PRESENCE_BEAT_SECONDS": "PRESENCE_BEAT_SECONDS",
    "LIVE_PRESENCE_TTL_SECONDS": "PRESENCE_TTL_SECONDS",
}


# The settings counted in whole numbers, and those in seconds.
Count = Literal[
    "LIVE_OUTBOX_FRAMES",
    "LIVE_MAX_UNSENT_BYTES",
    "LIVE_RESUME_MAX_EVENTS",
    "LIVE_MAX_TOPICS_PER_SOCKET",
    "LIVE_ANONYMOUS_SOCKETS_PER_PROCESS",
]
Seconds = Literal[
    "LIVE_WAKE_SECONDS_PER_SOCKET",
    "LIVE_ANNOUNCER_IDLE_SECONDS",
    "LIVE_REVALIDATE_SECONDS",
    "LIVE_REJOIN_SECONDS",
    "LIVE_CATCHUP_SECONDS",
    "LIVE_PRESENCE_BEAT_SECONDS",
    "LIVE_PRESENCE_TTL_SECONDS",
    "LIVE_IO_TIMEOUT_SECONDS",
    "LIVE_ADDRESS_BEAT_SECONDS",
    "LIVE_ADDRESS_TTL_SECONDS",
]


def deprecated(old: str, new: str) -> None:
    warnings.warn(
        f"The setting {old} is deprecated; name it {new}",
        DeprecationWarning,
        stacklevel=3,
    )


@overload
def live_setting(name: Count) -> int: ...


@overload
def live_setting(name: Seconds) -> float: ...


def live_setting(name: str) -> float:
    """The value of ``LIVE_...`` setting ``name``."""
    old = OLD_NAMES.get(name)
    value: float
    if old is not None and hasattr(settings, old):
        deprecated(old, name)
        value = getattr(settings, old)
        return value
    value = getattr(settings, name, DEFAULTS[name])
    return value


Value = TypeVar("Value", int, float)


def env_value(cast: Callable[[str], Value], name: str, default: Value) -> Value:
    """For settings modules: ``name`` from the environment, else its old name
    (with a warning), else ``default``. ``cast``: ``env.int``, ``env.float``."""
    old = OLD_NAMES.get(name)
    if name in os.environ:
        return cast(name)
    if old is not None and old in os.environ:
        deprecated(old, name)
        return cast(old)
    return default
