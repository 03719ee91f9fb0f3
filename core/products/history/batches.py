"""Many product changes made as one act (a CSV import, a bulk action).

Each product still gets its own ``ProductChange``, linked to the ``ChangeBatch``;
the feed shows the batch as one entry and it is announced once. While a batch is
being recorded (``recording``), ``recording.record`` links every change to it and
leaves them to the batch, whose changes join the transaction's change set
together: a 10,000-row import is one set, and one entry in the feed.
"""

import copy
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property
from typing import Optional

from django.db.models import Manager, Q, QuerySet

from products.alerts import stock_counts
from products.history import bulk_insert
from products.history.change_display import show_changes
from products.models import ChangeBatch, Product, ProductChange, product_field

# How many of a batch's changes its feed entry unfolds; the rest are on the
# batch's own page (a pushed frame stays far below daphne's 1 MiB).
ENTRY_CHANGES_SHOWN = 20

# Summary keys in the order a headline names them.
COUNTED = ("updated", "created", "deleted")

_recording: "ContextVar[Optional[Recording]]" = ContextVar(
    "change_batch_recording", default=None
)


@dataclass
class Recording:
    """The changes of a batch being written; their rows are inserted together
    (``save_all``: COPY on PostgreSQL), not one statement per product, a chunk
    at a time for a batch written in chunks."""

    batch: ChangeBatch
    changes: list[ProductChange] = field(default_factory=list)
    # What the changes add to the stock counters, summed (``stock_counts``).
    counts: "Counter[stock_counts.Key]" = field(default_factory=Counter)
    # How many changes of each action were recorded (``summary``).
    actions: "Counter[str]" = field(default_factory=Counter)
    saved: int = 0  # changes before this one were inserted by ``save_all``

    def add(
        self,
        change: ProductChange,
        counts: "Optional[Counter[stock_counts.Key]]" = None,
    ) -> None:
        self.changes.append(change)
        self.actions[change.action] += 1
        self.counts.update(counts or {})

    @property
    def count(self) -> int:
        return self.actions.total()

    @property
    def last(self) -> Optional[ProductChange]:
        """The last change recorded: the batch's entry in the feed."""
        return self.changes[-1] if self.changes else None

    def summary(self, unchanged: int = 0) -> dict[str, int]:
        return summarise_counts(self.actions, unchanged)

    def save_all(self) -> None:
        """Inserts the changes not inserted yet (deletions go in before their
        rows do: see ``writes._delete_all``), and adds the counts so far to
        the stock counters: a row per counter and bucket it changed, however
        many products."""
        unsaved = self.changes[self.saved :]
        bulk_insert.insert(
            ProductChange, [change for change in unsaved if change.pk is None]
        )
        self.saved = len(self.changes)
        stock_counts.add(Counter({key: n for key, n in self.counts.items() if n}))
        self.counts = Counter()


@contextmanager
def recording(batch: ChangeBatch) -> Iterator[Recording]:
    """Within it, every recorded change belongs to ``batch`` and is not announced
    on its own."""
    current = Recording(batch)
    token = _recording.set(current)
    try:
        yield current
    finally:
        _recording.reset(token)


def current_recording() -> Optional[Recording]:
    return _recording.get()


def summarise(changes: Iterable[ProductChange], unchanged: int = 0) -> dict[str, int]:
    return summarise_counts(Counter(change.action for change in changes), unchanged)


def summarise_counts(actions: Mapping[str, int], unchanged: int = 0) -> dict[str, int]:
    """The batch's ``summary`` from how many changes of each action it made."""
    return {**{action: actions[action] for action in COUNTED}, "unchanged": unchanged}


def headline(batch: ChangeBatch) -> str:
    """``37 updated, 5 created`` (what the batch did, as counted); an undo says
    how many products it set back: ``2,048 products``."""
    summary = batch.summary or {}
    if batch.kind == ChangeBatch.Kind.UNDO:
        count = size(batch)
        return f"{count:,} product{'' if count == 1 else 's'}"
    parts = [f"{summary[key]} {key}" for key in COUNTED if summary.get(key)]
    return ", ".join(parts) or "nothing changed"


def size(batch: ChangeBatch) -> int:
    summary = batch.summary or {}
    return sum(summary.get(key, 0) for key in COUNTED)


VERBS: dict[str, str] = {
    ChangeBatch.Kind.IMPORT: "imported",
    ChangeBatch.Kind.BULK: "bulk-edited",
    ChangeBatch.Kind.UNDO: "undoes",  # "admin undoes import items.csv"
}


def verb(batch: ChangeBatch) -> str:
    return VERBS.get(batch.kind, "changed")


def described(batch: ChangeBatch) -> str:
    """The batch as an undo of it names it: ``import items.csv``, ``bulk action
    Price −10 %``, ``undo of import items.csv``."""
    kinds: dict[str, str] = {
        ChangeBatch.Kind.IMPORT: "import",
        ChangeBatch.Kind.BULK: "bulk action",
        ChangeBatch.Kind.UNDO: "undo of",
    }
    kind = kinds.get(batch.kind, batch.kind)
    return f"{kind} {batch.label}".strip()


def feed_entries(
    changes: "Manager[ProductChange] | QuerySet[ProductChange]",
) -> "QuerySet[ProductChange]":
    """``changes`` as the feed lists them: a batch's changes stand together as
    its entry (``ChangeBatch.entry``), alone changes as themselves."""
    return changes.filter(Q(batch__isnull=True) | Q(entry_of__isnull=False))


def entry_changes(
    batch: ChangeBatch, limit: int = ENTRY_CHANGES_SHOWN
) -> list[ProductChange]:
    """The first ``limit`` changes of ``batch``, oldest first, ready to be shown."""
    changes = batch.changes.select_related("product").order_by("pk")[:limit]
    return show_changes(list(changes))


@dataclass
class BatchItem:
    """One product of a batch: ``product`` as loaded (``None``: create one),
    the new field ``values`` (already validated), and the version the preview
    showed (``None``: it did not exist then)."""

    product: Optional[Product]
    values: Mapping[str, object]
    expected_version: Optional[int] = None
    # The change this item undoes (a batch undo), recorded with its change.
    reverts: Optional[ProductChange] = None
    # Delete ``product`` instead of writing values (undoing a create).
    delete: bool = False

    @cached_property
    def new(self) -> Product:
        """The product with the new values (a new one for a create)."""
        return with_values(self.product or Product(), self.values)


def with_values(product: Product, data: Mapping[str, object]) -> Product:
    """A copy of ``product`` with ``data`` applied as a model form applies it."""
    new = copy.copy(product)
    for name, value in data.items():
        product_field(name).save_form_data(new, value)
    return new
