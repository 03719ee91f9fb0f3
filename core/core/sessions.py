"""The database session engine, refusing malformed session keys up front.

A cookie can carry any bytes, ``\\000`` escapes included. Django's database
engine passes the key straight to a query, and PostgreSQL refuses a string with a
NUL byte (``DataError``): every page, and the feed socket, answered 500 to such a
cookie. Django's own keys are 32 characters of ``[a-z0-9]``; anything else is
treated as no session at all, for HTTP (``SessionMiddleware``) and Channels
(``SessionMiddleware`` there uses the same ``SESSION_ENGINE``) alike.
"""

import re

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

SESSION_KEY = re.compile(r"[a-z0-9]{8,64}")


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key):
        return bool(key) and SESSION_KEY.fullmatch(key) is not None
