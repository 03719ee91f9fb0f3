"""The feed socket's wire contract: close codes and the size of a frame.

The page's script reads the close codes from data attributes that the feed page
renders from here, so there is one copy of them.

daphne (autobahn under it) sends only close codes 1000 and 3000-4999, and refuses
to send a message over 1 MiB: the task that tried dies and the socket goes quiet.
Every frame we build stays well under that bound.
"""

# Not allowed (not logged in, not staff, session ended): the page stops and says
# so. The htmx ws extension does not retry it either.
CLOSE_NOT_ALLOWED = 4403
# The server restarts or lost its transport and may have missed events: reconnect
# and resync from the current state.
CLOSE_RESTART = 4012
# The socket fell too far behind (its unsent output passed the bound): reconnect
# and resync from the current state.
CLOSE_TOO_SLOW = 4013

# Codes after which the page reconnects by itself. The ws extension retries only
# 1006, 1011, 1012 and 1013, which daphne cannot send.
RECONNECT_CODES = (CLOSE_RESTART, CLOSE_TOO_SLOW)

# autobahn's limit is 1,048,576 bytes; half of it leaves room for what the server
# adds and for any markup we did not foresee.
MAX_FRAME_BYTES = 512 * 1024


def frame_size(text):
    """Bytes of ``text`` on the wire (UTF-8)."""
    return len(text.encode())
