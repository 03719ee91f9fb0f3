"""Recording product writes: the diff, the change rows, and one change set per
committed transaction, announced once it commits.

The write path calls this module directly: it knows the old and new values of
what it writes (``record``), and deletes or restores through ``delete`` and
``create``. The model signals (``signals``) are the net for saves and deletes
made anywhere else (the shell, commands, third-party code): they call
``before_save`` / ``saved`` and ``before_delete`` / ``deleted`` here, which stay
out of the writes this module makes itself.

**One committed write is one change set.** Every change recorded in a
transaction joins that transaction's set; after the commit the set (all its
change rows and its batches) is sent once with ``changes_committed``, so every
listener sees every product the write touched: ten saves in one shell
``atomic()`` block are one set, an import of 2,000 rows is one set. A change
recorded in a savepoint that rolls back leaves the set with it; a transaction
that rolls back announces nothing. Announcing is ``robust``: a broken channel
layer is logged and never fails a saved write.

Each change recorded also adds what it changed to the stock counters
(``stock_counts``), in the same transaction: with its row when made alone,
with its batch's rows in a batch.
"""

import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial

from django.db import transaction
from django.dispatch import Signal

from products.alerts import stock_counts
from products.alerts.rules import alerts_across
from products.history.actor import current_actor
from products.history.batches import current_recording
from products.history.changes import diff
from products.history.snapshots import committed_snapshot, snapshot
from products.models import ProductChange

logger = logging.getLogger(__name__)

# Sent once after each transaction that recorded changes committed, with
# ``change_set``, a ``ChangeSet``.
changes_committed = Signal()


@dataclass
class ChangeSet:
    """What one committed transaction wrote: its change rows in the order they
    were recorded, and the batches (imports, bulk actions) some belong to."""

    changes: list = field(default_factory=list)
    batches: list = field(default_factory=list)

    def add(self, changes, batch=None):
        self.changes.extend(changes)
        if batch is not None:
            self.batches.append(batch)

    def by_product(self):
        """``{product pk: [its changes, in order]}``; a deletion recorded by the
        net has no pk left and is not among them."""
        products = {}
        for change in self.changes:
            if change.product_id is not None:
                products.setdefault(change.product_id, []).append(change)
        return products

    def entries(self):
        """The changes that stand for the set in a list of changes (the feed):
        each batch's entry, and each change made outside a batch."""
        entries = [batch.entry for batch in self.batches if batch.entry_id]
        entries += [change for change in self.changes if change.batch_id is None]
        return sorted(entries, key=lambda change: change.pk)


# Django's connections are per thread; so is what their transactions record.
_local = threading.local()


class _Transaction:
    """What the transaction in progress recorded so far: the set its commit
    announces, and the committed values the net read before each save."""

    def __init__(self):
        self.change_set = ChangeSet()
        self.before = {}  # id(instance) -> (instance, snapshot)
        self.hook = None

    def hook_last(self, connection):
        """Registers the set's commit hook after every hook so far: it runs after
        every part that joined the set. The hook registered before it then does
        nothing (it stays where it is: moving hooks would reorder Django's list).
        With no savepoint ids, so that it runs at the commit of the outermost
        block even when the savepoint it was registered in rolls back (later
        writes of the transaction still need it); a rollback drops it."""

        def finish():
            if self.hook is finish:
                self.finish()

        self.hook = finish
        connection.run_on_commit.append((set(), finish, True))

    def finish(self):
        if getattr(_local, "transaction", None) is self:
            _local.transaction = None
        if self.change_set.changes:
            announce(self.change_set)


def _transaction(connection):
    """The record of the transaction in progress, started if there is none (or
    the last one rolled back: Django then dropped its commit hooks)."""
    current = getattr(_local, "transaction", None)
    if current is None or not _registered(connection, current.hook):
        current = _local.transaction = _Transaction()
        current.hook_last(connection)
    return current


def _registered(connection, hook):
    hooks = connection.run_on_commit
    # Searched from the end: it is normally among the last.
    return any(hooks[index][1] is hook for index in range(len(hooks) - 1, -1, -1))


def _join(changes, batch=None):
    """``changes`` (saved rows) join the set announced when the transaction
    commits. Each part is a commit hook of its own, so Django drops it with a
    savepoint that rolls back, rows and all; the set's hook comes after it."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:  # autocommitted already
        announce(ChangeSet(list(changes), [batch] if batch is not None else []))
        return
    current = _transaction(connection)
    transaction.on_commit(partial(current.change_set.add, changes, batch), robust=True)
    current.hook_last(connection)


def announce(change_set):
    for receiver_fn, error in changes_committed.send_robust(
        sender=ChangeSet, change_set=change_set
    ):
        if isinstance(error, Exception):
            logger.error(
                "Could not announce product changes %s via %r",
                [change.pk for change in change_set.changes][:20],
                receiver_fn,
                exc_info=error,
            )


# The write path ----------------------------------------------------------------


def record(product, action, before, after, reverts=None, linked=True):
    """Records the change from ``before`` to ``after`` (snapshots) of
    ``product``, undoing the ProductChange ``reverts`` if given, as part of the
    transaction's set. Returns the change, or None if nothing changed. Inside a
    batch's ``recording`` the change is left to the batch, which saves and
    announces its changes together (``record_batch``). ``linked=False``: the
    product's row is gone already (a deletion the net records)."""
    change = unsaved_change(product, action, before, after, reverts, linked)
    if change is not None:
        keep(change, counts_of(action, before, after))
    return change


def unsaved_change(product, action, before, after, reverts=None, linked=True):
    """The change row ``record`` would save (not saved yet), or None if nothing
    changed: for a caller that inserts it in a statement of its own
    (``one_round_trip``) and then hands it to ``inserted``."""
    changes = diff(before, after)
    if action == ProductChange.Action.UPDATED and not changes:
        return None  # a save that changes nothing is not an event
    actor = current_actor()
    user = actor.authenticated_user
    batch_recording = current_recording()
    return ProductChange(
        action=action,
        # A deletion the write path records before its row goes names the
        # product (the delete then unlinks the row), so the set carries its pk.
        product=product if linked else None,
        product_slug=product.slug,
        product_name=product.name,
        actor_id=user.pk if user else None,
        actor_name=user.get_username() if user else "",
        source=actor.source,
        changes=[change.as_dict() for change in changes],
        product_version=(
            None if action == ProductChange.Action.DELETED else product.version
        ),
        batch=batch_recording.batch if batch_recording else None,
        reverts=reverts,
        alerts=alerts_across(before, after, product.pk),
    )


def keep(change, counts=None):
    """Saves ``change`` (from ``unsaved_change``) and joins it to the
    transaction's set, adding ``counts`` (``counts_of``) to the stock counters;
    inside a batch's ``recording`` leaves both to the batch."""
    batch_recording = current_recording()
    if batch_recording:
        batch_recording.add(change, counts)
    else:
        change.save(force_insert=True)
        stock_counts.add(counts)
        _join([change])


def inserted(change, counts=None):
    """``change`` (from ``unsaved_change``) was inserted by the caller's own
    statement: it joins the transaction's set, and ``counts`` the stock
    counters, as a saved one does."""
    stock_counts.add(counts)
    _join([change])


def counts_of(action, before, after):
    """What the change adds to the stock counters (``stock_counts``), kept in
    the write's transaction. A save the net could not read the committed row
    for (``save_base()`` outside a transaction) is left to the next recount."""
    if (not before and action != ProductChange.Action.CREATED) or (
        not after and action != ProductChange.Action.DELETED
    ):
        logger.warning("Stock counters not kept for a %s without its values", action)
        return None
    return stock_counts.difference(before, after)


def record_batch(batch, changes):
    """The saved ``changes`` of ``batch`` join the transaction's set."""
    _join(changes, batch)


def delete(product, before):
    """Records the deletion of ``product`` (``before``: its committed values)
    while its row still exists, so the set names its pk, then deletes it."""
    record(product, ProductChange.Action.DELETED, before, {})
    with made_here(product):
        product.delete()


def create(product, reverts=None):
    """Saves the new ``product`` and records its creation (undoing the deletion
    ``reverts``, if given)."""
    with made_here(product):
        product.save()
    record(product, ProductChange.Action.CREATED, {}, snapshot(product), reverts)


@contextmanager
def made_here(*instances):
    """While the write path saves or deletes ``instances`` itself (having
    recorded them), the net stays out."""
    made = _local.__dict__.setdefault("made_here", set())
    made.update(id(instance) for instance in instances)
    try:
        yield
    finally:
        made.difference_update(id(instance) for instance in instances)


def _is_made_here(instance):
    return id(instance) in getattr(_local, "made_here", ())


# The net: saves and deletes outside the write path -----------------------------


def before_save(instance):
    """``pre_save``: the committed values, read under a lock so that concurrent
    saves of one product chain (each change's old value is the previous new)."""
    if _is_made_here(instance) or instance._state.adding or instance.pk is None:
        return
    _remember(instance, committed_snapshot(instance))


def _remember(instance, before):
    """Kept for the ``post_`` signal with the transaction, and dropped with it.
    Product.save() and delete() always write in a transaction; a save outside
    one (only ``save_base()`` called directly) records every field as new."""
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        _transaction(connection).before[id(instance)] = (instance, before)


def _take_before(instance):
    current = getattr(_local, "transaction", None)
    kept = current.before.pop(id(instance), None) if current else None
    return kept[1] if kept is not None and kept[0] is instance else {}


def saved(instance, created):
    """``post_save``: records the save. Returns the committed values before it
    (None if this module made the save)."""
    if _is_made_here(instance):
        return None
    before = {} if created else _take_before(instance)
    action = ProductChange.Action.CREATED if created else ProductChange.Action.UPDATED
    instance.settle_version()  # the change row records the version it produced
    record(instance, action, before, snapshot(instance))
    return before


def before_delete(instance):
    """``pre_delete``: the committed values, as ``before_save``."""
    if _is_made_here(instance):
        return
    _remember(instance, committed_snapshot(instance) or snapshot(instance))


def deleted(instance):
    """``post_delete``: records the deletion. Returns the committed values
    before it (None if this module made the delete)."""
    if _is_made_here(instance):
        return None
    before = _take_before(instance) or snapshot(instance)
    record(instance, ProductChange.Action.DELETED, before, {}, linked=False)
    return before
