"""Whether live sockets may stay open: their sessions and users, from the database.

Channels resolves a socket's user once, when it opens. Afterwards its session can
end (logout, password change, deletion, expiry) and its user can stop passing its
streams' checks (demotion, deactivation, a permission taken from them or their
group). The hub asks here, for many sockets at once, which still hold: the same
rules as ``django.contrib.auth.get_user`` on an HTTP request, in a few queries
for any number of sockets plus the permission lookup (``has_perm``, as the
admin asks it) of each user still logged in: staff are few, sockets many.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import import_module
from typing import TYPE_CHECKING, Any, Optional

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.crypto import constant_time_compare

if TYPE_CHECKING:  # a model: not importable before the apps are loaded
    from django.contrib.auth.base_user import AbstractBaseUser

    # django-stubs' placeholder for ``AUTH_USER_MODEL``.
    from django.contrib.auth.models import _User

# Keys per query: below every backend's limit on query parameters.
KEYS_PER_QUERY = 500


@dataclass(frozen=True)
class Credentials:
    """What a socket was opened with: its user, the session that logged it in,
    and the checks its user must keep passing (its streams' ``may_join``)."""

    user_id: int
    session_key: str
    checks: tuple[Callable[["_User"], bool], ...] = ()


def still_valid(credentials: Iterable[Credentials]) -> set[Credentials]:
    """The subset of ``credentials`` whose session still logs in its user, a user
    who still passes its checks. Sockets sharing a session cost one lookup."""
    return set(valid_until(credentials))


def valid_until(
    credentials: Iterable[Credentials],
) -> dict[Credentials, Optional[datetime]]:
    """{credentials: when its session expires} for those ``still_valid``; the
    expiry is ``None`` where the session store does not say."""
    given = set(credentials)
    sessions = load_sessions({c.session_key for c in given})
    # Fresh user objects on every call: ``has_perm`` caches a user's permissions
    # on the object, and a permission lost since must count. One object per user,
    # so sockets of one user cost one permission lookup.
    users = get_user_model()._default_manager.in_bulk(
        {c.user_id for c in given if c.session_key in sessions}
    )
    return {
        c: sessions[c.session_key].expires
        for c in given
        if c.session_key in sessions
        and c.user_id in users
        and logs_in(sessions[c.session_key].data, users[c.user_id])
        and all(check(users[c.user_id]) for check in c.checks)
    }


def logs_in(session: Mapping[str, Any], user: "AbstractBaseUser") -> bool:
    """Would this session data authenticate ``user`` on its next request?"""
    if session_user_id(session) != user.pk:
        return False
    if session.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
        return False
    return hash_matches(session.get(HASH_SESSION_KEY), user)


def session_user_id(session: Mapping[str, Any]) -> object:
    try:
        return get_user_model()._meta.pk.to_python(session[SESSION_KEY])
    except (KeyError, ValidationError):
        return None


def hash_matches(session_hash: Optional[str], user: "AbstractBaseUser") -> bool:
    """A password change changes the user's hash and so ends every session
    stored with the old one (``SECRET_KEY_FALLBACKS`` still count, as in
    ``get_user``)."""
    if not session_hash:
        return False
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    return any(constant_time_compare(session_hash, known) for known in hashes)


@dataclass(frozen=True)
class StoredSession:
    data: dict[str, Any]  # the decoded session: its values are the app's
    expires: datetime | None


def load_sessions(keys: Iterable[str]) -> dict[str, StoredSession]:
    """{key: StoredSession} of the sessions that exist and have not expired."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not issubclass(store_class, DatabaseSessionStore):
        # Cache or signed-cookie sessions: no table to batch over, ask one by
        # one; the periodic re-check alone notices their expiry.
        return {
            key: StoredSession(data, None)
            for key in keys
            if (data := store_class(key).load())
        }
    model, decoder = store_class.get_model_class(), store_class()
    now, keys, found = timezone.now(), sorted(keys), {}
    for start in range(0, len(keys), KEYS_PER_QUERY):
        rows = model.objects.filter(
            session_key__in=keys[start : start + KEYS_PER_QUERY], expire_date__gt=now
        ).values_list("session_key", "session_data", "expire_date")
        for key, data, expires in rows:
            # A session that no longer decodes (another SECRET_KEY) is empty.
            if decoded := decoder.decode(data):
                found[key] = StoredSession(decoded, expires)
    return found
