"""Many product changes made as one act (a CSV import, a bulk action).

Each product still gets its own ``ProductChange``, linked to the ``ChangeBatch``;
the feed shows the batch as one entry and it is announced once. While a batch is
being recorded (``recording``), ``recording.record`` links every change to it and
leaves them to the batch, whose changes join the transaction's change set
together: a 10,000-row import is one set, and one entry in the feed.
"""

import copy
from collections import Counter
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Q

from products.alerts import stock_counts
from products.history import bulk_insert
from products.history.change_display import show_changes
from products.models import ChangeBatch, Product, ProductChange

# How many of a batch's changes its feed entry unfolds; the rest are on the
# batch's own page (a pushed frame stays far below daphne's 1 MiB).
ENTRY_CHANGES_SHOWN = 20

# Summary keys in the order a headline names them.
COUNTED = ("updated", "created", "deleted")

_recording = ContextVar("change_batch_recording", default=None)


@dataclass
class Recording:
    """The changes of a batch being written; their rows are inserted together
    (``save_all``: COPY on PostgreSQL), not one statement per product."""

    batch: ChangeBatch
    changes: list = field(default_factory=list)
    # What the changes add to the stock counters, summed (``stock_counts``).
    counts: Counter = field(default_factory=Counter)

    def add(self, change, counts=None):
        self.changes.append(change)
        self.counts.update(counts or {})

    def save_all(self):
        """Inserts the changes not inserted yet (deletions go in before their
        rows do: see ``writes._delete_all``), and adds the batch's counts to the
        stock counters: a row per counter and bucket it changed, however many
        products."""
        bulk_insert.insert(
            ProductChange, [change for change in self.changes if change.pk is None]
        )
        stock_counts.add(Counter({key: n for key, n in self.counts.items() if n}))
        self.counts = Counter()


@contextmanager
def recording(batch):
    """Within it, every recorded change belongs to ``batch`` and is not announced
    on its own."""
    token = _recording.set(Recording(batch))
    try:
        yield _recording.get()
    finally:
        _recording.reset(token)


def current_recording():
    return _recording.get()


def summarise(changes, unchanged=0):
    counts = {action: 0 for action in COUNTED}
    for change in changes:
        counts[change.action] += 1
    return {**counts, "unchanged": unchanged}


def headline(batch):
    """``37 updated, 5 created`` (what the batch did, as counted); an undo says
    how many products it set back: ``2,048 products``."""
    summary = batch.summary or {}
    if batch.kind == ChangeBatch.Kind.UNDO:
        count = size(batch)
        return f"{count:,} product{'' if count == 1 else 's'}"
    parts = [f"{summary[key]} {key}" for key in COUNTED if summary.get(key)]
    return ", ".join(parts) or "nothing changed"


def size(batch):
    summary = batch.summary or {}
    return sum(summary.get(key, 0) for key in COUNTED)


VERBS = {
    ChangeBatch.Kind.IMPORT: "imported",
    ChangeBatch.Kind.BULK: "bulk-edited",
    ChangeBatch.Kind.UNDO: "undoes",  # "admin undoes import items.csv"
}


def verb(batch):
    return VERBS.get(batch.kind, "changed")


def described(batch):
    """The batch as an undo of it names it: ``import items.csv``, ``bulk action
    Price −10 %``, ``undo of import items.csv``."""
    kind = {
        ChangeBatch.Kind.IMPORT: "import",
        ChangeBatch.Kind.BULK: "bulk action",
        ChangeBatch.Kind.UNDO: "undo of",
    }.get(batch.kind, batch.kind)
    return f"{kind} {batch.label}".strip()


def feed_entries(changes):
    """``changes`` as the feed lists them: a batch's changes stand together as
    its entry (``ChangeBatch.entry``), alone changes as themselves."""
    return changes.filter(Q(batch__isnull=True) | Q(entry_of__isnull=False))


def entry_changes(batch, limit=ENTRY_CHANGES_SHOWN):
    """The first ``limit`` changes of ``batch``, oldest first, ready to be shown."""
    changes = batch.changes.select_related("product").order_by("pk")[:limit]
    return show_changes(list(changes))


@dataclass
class BatchItem:
    """One product of a batch: ``product`` as loaded (``None``: create one),
    the new field ``values`` (already validated), and the version the preview
    showed (``None``: it did not exist then)."""

    product: object
    values: dict
    expected_version: object = None
    # The change this item undoes (a batch undo), recorded with its change.
    reverts: object = None
    # Delete ``product`` instead of writing values (undoing a create).
    delete: bool = False

    @cached_property
    def new(self):
        """The product with the new values (a new one for a create)."""
        return with_values(self.product or Product(), self.values)


def with_values(product, data):
    """A copy of ``product`` with ``data`` applied as a model form applies it."""
    new = copy.copy(product)
    for name, value in data.items():
        Product._meta.get_field(name).save_form_data(new, value)
    return new
