"""A previewed file, kept until its import is confirmed.

The preview stores the uploaded bytes and the product versions it saw under the
file's SHA-256, in ``IMPORT_PENDING_DIR``; the session remembers that digest and
the file's name. The confirmation reads the bytes back, hashes them again and
applies exactly what was previewed, checked against those versions.

Kept on disk, not in the session: a file of up to ``IMPORT_MAX_BYTES`` would make
every request of the session carry it from the session table. Not uploaded
again with the confirmation either: a browser cannot send a chosen file a
second time without the person choosing it again, and the preview would then
vouch for bytes it never saw. Bounded: at most ``IMPORT_PENDING_FILES`` files,
none older than ``IMPORT_PENDING_SECONDS``; an applied file is deleted.
"""

import hashlib
import json
import re
import time
from pathlib import Path

from django.conf import settings

DIGEST = re.compile(r"[0-9a-f]{64}")


def digest_of(data):
    return hashlib.sha256(data).hexdigest()


def folder():
    path = Path(settings.IMPORT_PENDING_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def paths(digest):
    if not DIGEST.fullmatch(digest or ""):
        raise ValueError("not a SHA-256 digest")
    return folder() / f"{digest}.csv", folder() / f"{digest}.versions.json"


def store(data, versions):
    """Keeps ``data`` and the ``{sku: version}`` its preview saw; returns the
    digest they are kept under."""
    digest = digest_of(data)
    data_path, versions_path = paths(digest)
    versions_path.write_text(json.dumps(versions), encoding="utf-8")
    data_path.write_bytes(data)
    prune()
    return digest


def load(digest):
    """``(data, versions)`` kept under ``digest``, or ``None`` if they are gone
    (applied, expired, never there)."""
    try:
        data_path, versions_path = paths(digest)
        data = data_path.read_bytes()
        versions = json.loads(versions_path.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return None
    return data, versions


def discard(digest):
    try:
        for path in paths(digest):
            path.unlink(missing_ok=True)
    except ValueError:
        pass


def prune(now=None):
    """Deletes expired files, and the oldest beyond the bound."""
    now = time.time() if now is None else now
    kept = sorted(((modified(path), path) for path in folder().glob("*.csv")))
    for index, (stamp, path) in enumerate(reversed(kept)):
        expired = now - stamp > settings.IMPORT_PENDING_SECONDS
        if expired or index >= settings.IMPORT_PENDING_FILES:
            discard(path.stem)


def modified(path):
    try:
        return path.stat().st_mtime
    except OSError:  # pruned by another request meanwhile
        return 0.0
