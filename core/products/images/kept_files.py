"""Image files kept aside for undo.

A file that a committed write stopped using (its product deleted, its image
replaced or cleared) is not deleted but moved out of the media folder into a
sibling folder that nothing serves, under the same name: the change row that
recorded the write names it, so a restore or a revert can bring it back, and then
it is served again. ``prune_changes`` deletes the kept files no remaining change
row names. A new upload never takes the name of a kept file, so a name in a change
row stands for one file.

The kept folder is ``KEPT_FILES_ROOT``, by default the media folder's name with
``-kept`` beside it (``media`` and ``media-kept``); a deployment keeps it as it
keeps the media folder.
"""

import json
import logging
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.db import transaction

from products.images.uploads import remember_stored_name

logger = logging.getLogger(__name__)


def kept_storage():
    """Read per call, so a test's or a command's settings apply."""
    root = getattr(settings, "KEPT_FILES_ROOT", None)
    if not root:
        media = Path(settings.MEDIA_ROOT)
        root = media.with_name(f"{media.name}-kept")
    return FileSystemStorage(location=root, base_url=None)


def set_aside_on_commit(model, field_name, storage, name):
    """Moves the stored file ``name`` aside after the current transaction
    commits, unless a row of ``model`` still refers to it then. Never on
    rollback; a storage error is logged, never failing the committed write."""
    transaction.on_commit(
        partial(_set_aside_if_unused, model, field_name, storage, name), robust=True
    )


def _set_aside_if_unused(model, field_name, storage, name):
    if model._default_manager.filter(**{field_name: name}).exists():
        return
    if not storage.exists(name):
        return
    kept = kept_storage()
    if kept.exists(name):  # left by an interrupted move: this copy is newer
        kept.delete(name)
    with storage.open(name) as content:
        kept.save(name, File(content))
    storage.delete(name)


def is_kept(name):
    return bool(name) and kept_storage().exists(name)


def bring_back(storage, name):
    """Stores the kept file ``name`` in ``storage`` again (under ``name`` unless
    that is taken) and returns the name it has there. The copy is removed if the
    transaction rolls back (inside a ``write_transaction``); the kept one once it
    commits. A file still in ``storage`` is left as it is."""
    if not name or storage.exists(name):
        return name
    kept = kept_storage()
    with kept.open(name) as content:
        stored = storage.save(name, File(content))
    remember_stored_name(storage, stored)
    transaction.on_commit(partial(kept.delete, name), robust=True)
    return stored


def unclaimed_name(field, instance, name):
    """The name a new upload ``name`` of ``field`` is stored under, changed
    (as the storage changes a taken one) if a kept file has it."""
    full = field.generate_filename(instance, name)
    kept = kept_storage()
    if not kept.exists(full):
        return name
    return Path(kept.get_available_name(full)).name


def kept_names():
    """Every kept file's name (relative, as stored in change rows)."""
    root = Path(kept_storage().location)
    if not root.exists():
        return set()
    return {
        path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()
    }


def named_files(changes):
    """The file names that stored field changes (``ProductChange.changes``
    values, lists of ``{field, old, new}``) mention."""
    names = set()
    for items in changes:
        if isinstance(items, str):
            items = json.loads(items)
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict) and item.get("field") == "image":
                names.update(item.get(side) or "" for side in ("old", "new"))
    return names - {""}


def prune(listed, needed):
    """Deletes the kept files of ``listed`` (``kept_names()``) not in ``needed``;
    returns how many. List them before reading ``needed`` from the change rows:
    a file set aside meanwhile (its row committed first) is then not deleted."""
    kept, removed = kept_storage(), 0
    for name in sorted(listed - needed):
        kept.delete(name)
        removed += 1
    return removed
