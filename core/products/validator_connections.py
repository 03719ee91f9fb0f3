"""A request thread's own PostgreSQL connection for a visitor's catalog
validators, kept between requests.

With ``CONN_MAX_AGE=0`` (the default) every request opens a database connection
and closes it when it ends; on PostgreSQL that is a new server process, and for
a catalog 304 starting it cost more than everything else the answer does.
A visitor's revalidation (``public_revalidation``) reads one indexed row, so it
reads it on a connection its thread keeps: in autocommit, so every read sees
every write committed before it, as the request's own connection would. Request
threads live long (``core/request_threads.py``): each keeps at most one such
connection per database.

The request's own connection is used instead where it is kept anyway
(``CONN_MAX_AGE`` other than 0, or a pool), where a transaction is open on it (a
test's: a separate connection would not see its rows), and on SQLite (a file,
opened in microseconds). A kept connection that fails is closed, the read is
made on the request's connection, and the next read opens a new one.
"""

import logging
import threading

from django.db import connections

logger = logging.getLogger(__name__)

# ``fetch_one``: read it on the request's own connection instead.
NOT_KEPT = object()

_local = threading.local()
# Every connection kept, by any thread: ``close_all`` closes them.
_opened = []
_opened_lock = threading.Lock()


def fetch_one(using, sql, params):
    """The first row of ``sql`` (None if none), read on this thread's kept
    connection to ``using``; ``NOT_KEPT`` where the request's own connection
    is to be used."""
    connection = connections[using]
    if not _worth_keeping(connection):
        return NOT_KEPT
    try:
        kept = _kept(using, connection)
        with kept.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    except connection.Database.Error:
        logger.warning("The kept validators connection failed", exc_info=True)
        close(using)
        return NOT_KEPT


def _worth_keeping(connection):
    settings_dict = connection.settings_dict
    return (
        connection.vendor == "postgresql"
        and settings_dict.get("CONN_MAX_AGE") == 0
        and not settings_dict.get("OPTIONS", {}).get("pool")
        and not connection.in_atomic_block
    )


def _kept(using, connection):
    """This thread's connection to ``using``, opened with the request
    connection's own parameters (made again if the database settings changed,
    as a test run's do)."""
    kept = _local.__dict__.setdefault("connections", {})
    key = (connection.settings_dict["NAME"], connection.settings_dict.get("HOST"))
    found = kept.get(using)
    if found is not None and (found[0] != key or found[1].closed):
        close(using)
        found = None
    if found is None:
        raw = connection.Database.connect(**connection.get_connection_params())
        raw.autocommit = True
        found = kept[using] = (key, raw)
        with _opened_lock:
            _opened[:] = [other for other in _opened if not other.closed]
            _opened.append(raw)
    return found[1]


def close(using):
    """Closes this thread's kept connection to ``using``."""
    found = _local.__dict__.get("connections", {}).pop(using, None)
    if found is not None:
        _close(found[1])


def close_all():
    """Closes the connections every thread keeps (a test run's end: its
    database cannot be dropped while they are open); each thread opens a new
    one on its next read."""
    with _opened_lock:
        opened, _opened[:] = list(_opened), []
    for raw in opened:
        _close(raw)


def _close(raw):
    try:
        raw.close()
    except Exception:  # noqa: BLE001 (closing a broken one)
        logger.debug("Closing a kept validators connection failed", exc_info=True)
