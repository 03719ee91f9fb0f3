"""A previewed file, kept until its import is confirmed.

The preview stores the uploaded bytes and the product versions it saw under the
file's SHA-256, in ``IMPORT_PENDING_DIR``; the session remembers that digest and
the file's name. The confirmation reads the bytes back, hashes them again and
applies exactly what was previewed, checked against those versions.

Kept on disk, not in the session: a file of up to ``IMPORT_MAX_BYTES`` would make
every request of the session carry it from the session table. Not uploaded
again with the confirmation either: a browser cannot send a chosen file a
second time without the person choosing it again, and the preview would then
vouch for bytes it never saw. Bounded: at most ``IMPORT_PENDING_FILES`` files
per owner (the user who previewed them, each in a folder of their own, so that
one person's previews never push out another's), none older than
``IMPORT_PENDING_SECONDS``; an applied file is deleted.
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


def root():
    path = Path(settings.IMPORT_PENDING_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def folder(owner=None):
    """The folder of ``owner``'s previews (a user's pk; None: nobody's)."""
    path = root() / ("shared" if owner is None else f"user-{int(owner)}")
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def paths(digest, owner=None):
    if not DIGEST.fullmatch(digest or ""):
        raise ValueError("not a SHA-256 digest")
    kept = folder(owner)
    return kept / f"{digest}.csv", kept / f"{digest}.versions.json"


def store(data, versions, owner=None):
    """Keeps ``data`` and the ``{sku: version}`` its preview saw, among
    ``owner``'s previews; returns the digest they are kept under."""
    digest = digest_of(data)
    data_path, versions_path = paths(digest, owner)
    versions_path.write_text(json.dumps(versions), encoding="utf-8")
    data_path.write_bytes(data)
    prune(owner=owner)
    return digest


def load(digest, owner=None):
    """``(data, versions)`` kept under ``digest`` among ``owner``'s previews, or
    ``None`` if they are gone (applied, expired, never there)."""
    try:
        data_path, versions_path = paths(digest, owner)
        data = data_path.read_bytes()
        versions = json.loads(versions_path.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return None
    return data, versions


def discard(digest, owner=None):
    try:
        for path in paths(digest, owner):
            path.unlink(missing_ok=True)
    except ValueError:
        pass


def prune(now=None, owner=None):
    """Deletes everyone's expired files, and ``owner``'s oldest beyond the bound."""
    now = time.time() if now is None else now
    for path in root().glob("*/*.csv"):
        if now - modified(path) > settings.IMPORT_PENDING_SECONDS:
            remove(path)
    kept = sorted(((modified(path), path) for path in folder(owner).glob("*.csv")))
    for _, path in kept[: max(len(kept) - settings.IMPORT_PENDING_FILES, 0)]:
        remove(path)


def remove(data_path):
    """Deletes a kept file and its versions."""
    for path in (data_path, data_path.with_suffix(".versions.json")):
        path.unlink(missing_ok=True)


def modified(path):
    try:
        return path.stat().st_mtime
    except OSError:  # pruned by another request meanwhile
        return 0.0
