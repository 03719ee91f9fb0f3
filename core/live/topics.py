"""Which topic names reach the transport, and how many per socket.

A stream's topics come from the request (a product's pk, a page's query). The
channel layer refuses group names of 100 characters or more, and any other than
ASCII letters, digits, ``-``, ``_`` and ``.``: a topic built from unchecked input
would make the layer raise where the hub expects the transport's own failures.
So every name is checked here before any reaches the hub's registry or the
transport, and a socket asking for more than ``LIVE_MAX_TOPICS_PER_SOCKET``
topics is refused: both close that socket alone (4403, no retry).
"""

import re
from collections.abc import Sequence

from .conf import live_setting

# Channels' own rule (``BaseChannelLayer.require_valid_group_name``), in ASCII:
# its ``\d`` would also pass digits of other scripts.
MAX_TOPIC_LENGTH = 99
VALID_TOPIC = re.compile(r"[A-Za-z0-9._-]{1,%d}" % MAX_TOPIC_LENGTH, re.ASCII)


class TopicRefused(ValueError):
    """A topic no transport could carry, or too many: the socket is refused."""


def valid_topic(name: object) -> bool:
    return isinstance(name, str) and VALID_TOPIC.fullmatch(name) is not None


def check_topics(names: Sequence[object]) -> None:
    """Raise ``TopicRefused`` unless every name is valid and they are few enough."""
    limit = live_setting("LIVE_MAX_TOPICS_PER_SOCKET")
    if len(names) > limit:
        raise TopicRefused(f"{len(names)} topics; at most {limit} per socket")
    for name in names:
        if not valid_topic(name):
            raise TopicRefused(f"not a topic name: {str(name)[:120]!r}")
