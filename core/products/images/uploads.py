"""Image files follow the transaction that writes their product.

A new upload is stored during the model save, before its row is written. If the
write fails or its transaction rolls back, the stored file is deleted again. A file
the product no longer uses (replaced, cleared, product deleted) is moved aside
only after the transaction commits (``kept_files``), so a rolled-back change
keeps its old picture.

Written by hand rather than with django-cleanup: that app deletes replaced files on
commit but neither removes uploads of a write that rolled back nor uses
``robust=True`` (a storage error there would fail a write that already committed).
"""

import logging
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

logger = logging.getLogger(__name__)

# Files stored inside the innermost open ``write_transaction`` (None outside one).
_stored_here = ContextVar("product_files_stored_here", default=None)


@contextmanager
def write_transaction():
    """An atomic block that deletes the files stored inside it unless it succeeds.

    Nested blocks hand their files to the enclosing one on success, so a file is
    kept only when the outermost block commits. A transaction opened by the caller
    with plain ``transaction.atomic()`` around this block is not seen: wrap such
    code in ``write_transaction()`` instead.
    """
    enclosing = _stored_here.get()
    stored = []
    token = _stored_here.set(stored)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        delete_files(stored)
        raise
    finally:
        _stored_here.reset(token)
    if enclosing is not None:
        enclosing.extend(stored)


def remember_stored(file):
    """Called after ``file`` (a FieldFile) was written to storage during a save."""
    remember_stored_name(file.storage, file.name)


def remember_stored_name(storage, name):
    stored = _stored_here.get()
    if stored is not None:
        stored.append((storage, name))


def delete_files(files):
    for storage, name in files:
        try:
            storage.delete(name)
        except Exception:  # the write's own error matters more; log and go on
            logger.exception("Could not delete the stored file %s", name)
