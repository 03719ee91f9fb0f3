"""The product write path: our views and the admin create, update and delete
products here, and revert an update or restore a deleted product (what to write
back is worked out in ``reverts``), each operation in one transaction.

An update or a delete names the version its form was opened at. The write is then
one conditional statement, ``UPDATE ... WHERE id = %s AND version = %s``, plus the
change row: while that version is current, the values loaded with it *are* the
committed old values, so the diff needs no locked read. When it is no longer
current nothing is written, and ``StaleVersion`` says what changed meanwhile
(``ProductGone`` if the product was deleted). Without a version (``None``: the
shell, commands) the write goes through the model's ``save()`` and ``delete()``,
where the signals read the committed row under a lock. Every write is recorded
by ``recording``, and the transaction's change set announced once it commits.

A form opened at an older version is not refused outright: it is merged three
ways with the product as it is now (``merging``; the values it was opened with
come from the change rows, ``stale_edits``). Fields only someone else changed
keep their value, fields only the form changed take the form's; only fields both
changed differently refuse the write (``MergeConflict``), until the caller
chooses ``mine`` or ``theirs`` for each. The merge reads the row under a lock
and writes in the same transaction, so a product that moves on meanwhile is
merged again, never overwritten.

An image stored on the way is deleted again if the transaction does not commit
(see ``uploads``); one that the write replaces is set aside once it commits, kept
for undo (``kept_files``). A unique SKU or address taken by another write between
the form's check and the save is explained on the form, beside its field, instead
of failing the request.
"""

import copy
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import count, zip_longest
from typing import TYPE_CHECKING, Any, Optional, TypeAlias

from django import forms
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, router
from django.db.models import F, Field
from django.db.models.deletion import Collector
from django.utils import timezone

from products.editing import merging, one_round_trip, stale_edits
from products.history import batches, bulk_insert, recording
from products.history.actor import current_actor
from products.history.batches import BatchItem, with_values
from products.history.change_display import show_changes

# CannotUndo is raised to the callers of this module, which catch it from here.
from products.history.reverts import CannotUndo as CannotUndo
from products.history.reverts import RevertPlan, deletion_at, restore_plan, revert_plan
from products.history.snapshots import snapshot, tracked_fields
from products.images.kept_files import bring_back, set_aside_on_commit
from products.images.uploads import remember_stored, write_transaction
from products.models import ChangeBatch, Product, ProductChange
from products.slugs import numbered, slug_from_name

if TYPE_CHECKING:
    from products.history.batch_reverts import BatchRevertPlan

# A batch's items a chunk at a time (a file planned as it is read).
Chunks: TypeAlias = Callable[[], Iterable[Sequence[BatchItem]]]

# A validated product form (ours or the admin's), bound to the product it saves.
ProductForm: TypeAlias = "forms.ModelForm[Product]"

# Fields whose uniqueness only the database can guarantee under concurrency.
UNIQUE_FIELDS = ("sku", "slug")
# Addresses taken are looked up this many at a time for a batch of new products.
SLUG_LOOKUP_CHUNK = 2_000
# A write whose new address another writer took first is tried this many times.
SLUG_ATTEMPTS = 5


class Conflict(Exception):
    """The product is no longer the one the caller loaded; nothing was written."""

    gone = False  # whether the product no longer exists


class StaleVersion(Conflict):
    def __init__(
        self, product: Product, version: Optional[int], changes: list[ProductChange]
    ) -> None:
        super().__init__(f"{product} is at version {product.version}, not {version}")
        self.product = product  # as it is now
        self.version = version  # the one the caller had
        # The ProductChanges since then, oldest first, ready to be shown.
        self.changes = changes


class MergeConflict(StaleVersion):
    """Fields both the caller and someone else changed, to different values,
    since the caller's version, and no choice made for them: nothing was
    written. ``conflicts`` lists them (``stale_edits.FieldOutcome``, with who set
    theirs); ``merge`` is the rest of the merge (whose value each field takes);
    ``base_version`` is the version the merge started from."""

    def __init__(
        self,
        product: Product,
        version: Optional[int],
        changes: list[ProductChange],
        conflicts: list[stale_edits.FieldOutcome],
        merge: merging.Merge,
        base_version: Optional[int],
    ) -> None:
        super().__init__(product, version, changes)
        self.conflicts = conflicts
        self.merge = merge
        self.base_version = base_version


@dataclass(frozen=True)
class Updated:
    product: Product  # as written
    # The values others set since the caller's version that a merge kept
    # (``stale_edits.FieldOutcome``), for the message.
    kept: list[stale_edits.FieldOutcome]


class RevertBlocked(Conflict):
    """Some field of the change cannot be set back (changed since, or its value
    is gone); nothing was written. ``plan`` (a ``reverts.RevertPlan``) says which."""

    def __init__(self, product: Product, plan: RevertPlan) -> None:
        super().__init__(f"{plan.change} cannot be reverted on {product}")
        self.product = product  # as it is now
        self.plan = plan


@dataclass(frozen=True)
class Restored:
    product: Product
    notes: list[str]  # what did not come back, and where it lives now


class ProductGone(Conflict):
    gone = True

    def __init__(
        self, product: Optional[Product], deletion: Optional[ProductChange]
    ) -> None:
        super().__init__(f"{product} was deleted")
        self.product = product  # as the caller loaded it
        self.deletion = deletion  # the ProductChange that deleted it, if found


class BatchStale(Conflict):
    """Products of a batch changed, appeared or went since its preview; nothing
    was written. ``refusals`` holds a ``StaleVersion`` or ``ProductGone`` per
    product, as a single write would raise it."""

    def __init__(self, refusals: Sequence["StaleVersion | ProductGone"]) -> None:
        super().__init__(f"{len(refusals)} products changed since the preview")
        self.refusals = refusals


class BatchConflicts(Conflict):
    """Rows of an import whose products moved on since the preview and could
    not be merged: a field both the file and someone else changed, differently.
    Nothing was written. ``rows`` holds a ``RowConflict`` per such row;
    ``applicable`` counts the rows that could be applied without them."""

    def __init__(self, rows: list["RowConflict"], applicable: int) -> None:
        super().__init__(f"{len(rows)} rows conflict with changes since the preview")
        self.rows = rows
        self.applicable = applicable


@dataclass(frozen=True)
class RowConflict:
    product: Product  # as it is now
    conflicts: list[stale_edits.FieldOutcome]  # one per field


def product_create(
    *,
    form: Optional[ProductForm] = None,
    data: Optional[Mapping[str, object]] = None,
) -> Optional[Product]:
    """Saves a new product from a validated ``ProductForm``, or from ``data``
    (field values already validated, as a form's ``cleaned_data``). Returns the
    product; ``None`` with the reason on the form (``ValidationError`` with
    ``data``) when a concurrent write took its SKU or address first."""
    product = form.instance if form is not None else with_values(Product(), data)
    return _write(form, product, product.save)


def product_update(
    *,
    product: Product,
    version: Optional[int],
    form: Optional[ProductForm] = None,
    data: Optional[Mapping[str, object]] = None,
    reverts: Optional[ProductChange] = None,
    chosen: Optional[Mapping[str, str]] = None,
    base: Optional[int] = None,
) -> Optional[Product]:
    """Writes the new values over ``product``, merged with what changed since
    ``version`` if it is no longer current.

    ``product`` holds the values loaded with ``version``, or later ones. The new
    values come from ``form``, a validated ``ProductUpdateForm`` (or the admin's)
    bound to a copy of ``product``, or from ``data``, field values already
    validated. Returns the product as written (at its new version), or ``None``
    as ``product_create`` does. Raises ``ProductGone`` if the product was
    deleted, ``MergeConflict`` (a ``StaleVersion``) if a field both sides changed
    differently has no choice in ``chosen`` (``{field: "mine" | "theirs"}``);
    either way nothing is written. ``base``: the version the caller's values were
    first loaded at, when it differs from ``version`` (a form sent again after a
    conflict carries the current version and the one it started from).
    ``reverts``: the change this update undoes (recorded with it; only with a
    version).
    """
    updated = product_update_merging(
        product=product,
        version=version,
        form=form,
        data=data,
        reverts=reverts,
        chosen=chosen,
        base=base,
    )
    return None if updated is None else updated.product


def product_update_merging(
    *,
    product: Product,
    version: Optional[int],
    form: Optional[ProductForm] = None,
    data: Optional[Mapping[str, object]] = None,
    reverts: Optional[ProductChange] = None,
    chosen: Optional[Mapping[str, str]] = None,
    base: Optional[int] = None,
) -> Optional[Updated]:
    """``product_update``, returning ``Updated``: the product and the values of
    others a merge kept."""
    new = form.instance if form is not None else with_values(product, data)
    if version is None:
        saved = _write(form, new, new.save)
        return None if saved is None else Updated(saved, [])
    names = edited_fields(form.fields if form is not None else data)
    # Only a form opened before ``product`` was loaded can have left a file
    # input alone over a file that changed since (and asking costs a look at
    # every field).
    stale = product.version != version or (base or version) != version
    untouched = untouched_files(form) if stale else frozenset()
    done: list[Updated] = []

    def write() -> None:
        done.append(
            _update_or_merge(
                product,
                new,
                names,
                version,
                reverts,
                chosen or {},
                base or version,
                untouched,
            )
        )

    if _write(form, new, write) is None:
        return None
    return done[0]


def untouched_files(form: Optional[ProductForm]) -> frozenset[str]:
    """The file fields ``form`` left alone (no upload, not cleared): a file
    input shows no value, so the user kept what they opened, whatever the
    product holds now."""
    if form is None:
        return frozenset()
    return frozenset(
        name
        for name in form.fields
        if isinstance(form.fields[name], forms.FileField)
        and name not in form.changed_data
    )


def edited_fields(names: Iterable[str]) -> list[str]:
    """The tracked fields among ``names``: what the caller may change."""
    tracked = {field.name for field in tracked_fields(Product)}
    return [name for name in names if name in tracked]


def merge_conflict(
    *,
    product: Product,
    new: Product,
    names: Sequence[str],
    version: int,
    chosen: Optional[Mapping[str, str]] = None,
    base: Optional[int] = None,
    untouched: Collection[str] = (),
) -> Optional[MergeConflict]:
    """The ``MergeConflict`` that writing ``new`` (the values of ``names``) over
    ``product``, opened at ``version``, would raise now, or ``None``. Writes
    nothing; for forms that must refuse before they save (the admin's)."""
    current = Product.objects.select_related("category").filter(pk=product.pk).first()
    if current is None:
        return None  # the write says so
    try:
        _merge(current, new, names, version, chosen or {}, base or version, untouched)
    except MergeConflict as conflict:
        return conflict
    return None


def _update_or_merge(
    loaded: Product,
    new: Product,
    names: Sequence[str],
    version: int,
    reverts: Optional[ProductChange],
    chosen: Mapping[str, str],
    base: int,
    untouched: Collection[str],
) -> Updated:
    """Writes ``new`` at ``version``; if the product has moved on (or choices
    were made), merges under a lock and writes the merge. Returns ``Updated``."""
    if loaded.version == version and base == version and not chosen:
        try:
            _update(loaded, new, version, reverts)
            return Updated(new, [])
        except StaleVersion:
            pass  # written meanwhile: merge with it
    current = (
        Product.objects.select_for_update(of=("self",))
        .select_related("category")
        .filter(pk=loaded.pk)
        .first()
    )
    if current is None:
        raise ProductGone(loaded, deletion_at(loaded.slug))
    merged, kept = _merge(current, new, names, version, chosen, base, untouched)
    _update(current, merged, current.version, reverts)
    return Updated(merged, kept)


def _merge(
    current: Product,
    new: Product,
    names: Sequence[str],
    version: Optional[int],
    chosen: Mapping[str, str],
    base: Optional[int],
    untouched: Collection[str] = (),
) -> tuple[Product, list[stale_edits.FieldOutcome]]:
    """``current`` with the fields the merge gives the caller taken from
    ``new``, and what it kept of others; raises ``MergeConflict``. ``base``:
    the version the caller's values started from (``None``: ``version``);
    ``untouched``: fields the caller left as they were then."""
    since = stale_edits.since(current, base or version)
    mine = stale_edits.mine_of(new, names)
    theirs = snapshot(current)
    for name in untouched:
        mine[name] = since.base.get(name, theirs[name])
    merge = merging.merge(since.base, mine, theirs, chosen)

    def outcome(name: str) -> stale_edits.FieldOutcome:
        return stale_edits.outcome(
            name, since, since.base.get(name, merging.UNKNOWN), mine[name], theirs[name]
        )

    if merge.conflicts:
        conflicts = [outcome(conflict.field) for conflict in merge.conflicts]
        changes = show_changes(since.changes)
        raise MergeConflict(current, version, changes, conflicts, merge, base)
    merged = copy.copy(current)
    for name, side in merge.sides.items():
        if side == merging.MINE and name not in untouched:
            attname = Product._meta.get_field(name).attname
            setattr(merged, attname, getattr(new, attname))
    return merged, [outcome(name) for name in merge.kept]


def product_delete(*, product: Product, version: Optional[int]) -> None:
    """Deletes ``product`` if it is still at ``version``, else raises as
    ``product_update`` does, deleting nothing. Its image is set aside once the
    deletion commits, kept for a restore."""
    with write_transaction():
        if version is None:
            product.delete()
            return
        # Django's delete() cannot be made conditional: the conditional UPDATE
        # checks the version and holds the row until the delete commits.
        if product.version != version or not _claim(product, version):
            raise refusal(product, version)
        recording.delete(product, snapshot(product))
        if product.image.name:
            set_aside_on_commit(
                Product, "image", product.image.storage, product.image.name
            )


def product_revert(
    *, product: Product, change: ProductChange, version: int
) -> Optional[Product]:
    """Sets each field of ``change``, an update of ``product``, back to its old
    value, recorded as an update that reverts ``change``; ``product`` holds the
    values loaded with ``version``. Writes nothing and raises ``StaleVersion`` or
    ``ProductGone`` if the product changed since ``version``, ``RevertBlocked``
    if a field no longer holds the value ``change`` gave it (or its old value
    cannot come back), ``CannotUndo`` if ``change`` is not an update. Returns the
    product as written."""
    if product.version != version:
        raise refusal(product, version)
    plan = revert_plan(product, change)
    if plan.blocked:
        raise RevertBlocked(product, plan)
    try:
        with write_transaction():  # a file brought back goes if it fails
            values = with_kept_files(plan.values)
            return product_update(
                product=product, version=version, data=values, reverts=change
            )
    except ValidationError as error:  # a unique value taken meanwhile
        raise RevertBlocked(product, plan.refused(error)) from error


def product_restore(*, deletion: ProductChange) -> Restored:
    """Recreates the product that ``deletion`` deleted, from its last values,
    recorded as a create that reverts ``deletion``. Returns ``Restored``; raises
    ``CannotUndo`` (nothing written) if it was restored already, its SKU is
    taken, or ``deletion`` is no deletion. An address taken meanwhile costs
    another attempt (the plan then gives the next free one)."""
    for attempt in count(1):
        product: Optional[Product] = None
        try:
            with write_transaction():
                # Held until commit: of two restores at once, the second waits
                # here and then finds the first (PostgreSQL; SQLite writes one
                # at a time).
                locked = ProductChange.objects.select_for_update().get(pk=deletion.pk)
                product, notes = restore_plan(locked)
                product.image.name = bring_back(
                    product.image.storage, product.image.name
                )
                recording.create(product, reverts=locked)
            return Restored(product, notes)
        except IntegrityError as error:  # its SKU or address taken meanwhile
            taken = taken_values(product) if product is not None else {}
            if set(taken) == {"slug"} and attempt < SLUG_ATTEMPTS:
                continue
            if not taken:
                raise
            messages = [
                message for refusal in taken.values() for message in refusal.messages
            ]
            raise CannotUndo(" ".join(messages)) from error


def refusal(product: Product, version: int) -> "StaleVersion | ProductGone":
    """Why a write of ``product`` at ``version`` cannot be made: the product as it
    is now and what changed since, or how it was deleted."""
    current = Product.objects.select_related("category").filter(pk=product.pk).first()
    if current is None:
        return ProductGone(product, deletion_at(product.slug))
    changes = (
        ProductChange.objects.filter(product=current, product_version__gt=version)
        .select_related("product")
        .order_by("pk")
    )
    return StaleVersion(current, version, show_changes(list(changes)))


def explain_taken_values(form: ProductForm, product: Optional[Product] = None) -> bool:
    """After an ``IntegrityError``: adds an error beside each unique field whose
    value another product now has. False if there is none, that is, if the error
    was something else."""
    errors = taken_values(product or form.instance)
    for name, message in errors.items():
        form.add_error(name if name in form.fields else None, message)
    return bool(errors)


def taken_values(product: Product) -> dict[str, ValidationError]:
    """The unique fields of ``product`` whose values another product has, with
    the message to show. On PostgreSQL a conflicting write waits for the other
    transaction and fails only once it has committed, and SQLite runs writes one
    at a time, so the winner is visible here."""
    others = Product.objects.exclude(pk=product.pk) if product.pk else Product.objects
    return {
        name: product.unique_error_message(Product, (name,))
        for name in UNIQUE_FIELDS
        if getattr(product, name)
        and others.filter(**{name: getattr(product, name)}).exists()
    }


def _write(
    form: Optional[ProductForm], product: Product, write: Callable[[], None]
) -> Optional[Product]:
    try:
        with write_transaction():
            write()
    except IntegrityError as error:
        if form is not None:
            if explain_taken_values(form, product):
                return None
            raise
        errors = taken_values(product)
        if not errors:
            raise
        raise ValidationError(errors) from error
    return product


def _claim(product: Product, version: int) -> int:
    return Product.objects.filter(pk=product.pk, version=version).update(
        version=F("version") + 1
    )


def _update(
    loaded: Product,
    new: Product,
    version: int,
    reverts: Optional[ProductChange] = None,
) -> None:
    """``UPDATE ... SET <changed columns>, version = version + 1 WHERE id = %s
    AND version = %s`` and the change row; nothing at all if nothing changed."""
    if loaded.version != version:
        raise refusal(loaded, version)
    uploading = new.prepare_write()
    if not new.slug:  # left empty in the admin: made from the name
        new.slug = next(new.free_slugs())
    values: dict[str, object]
    stamps: list[Field[Any, Any]]
    values, stamps = {}, []
    for field in Product._meta.concrete_fields:
        if field.primary_key or field.name in ("version", "created_at"):
            continue
        if getattr(field, "auto_now", False):
            stamps.append(field)
            continue
        value = field.pre_save(new, False)  # stores a new upload
        if value != getattr(loaded, field.attname):
            values[field.attname] = value
    if uploading:
        remember_stored(new.image)
    if not values:
        return  # a save that changes nothing writes nothing
    for field in stamps:
        values[field.attname] = field.pre_save(new, False)
    new.version = version + 1  # what the change row names
    before, after = snapshot(loaded), snapshot(new)
    updated = ProductChange.Action.UPDATED
    change = recording.unsaved_change(new, updated, before, after, reverts)
    counts = recording.counts_of(updated, before, after)
    written: int  # rows the update wrote (True: one, from the one statement)
    if one_round_trip.applies(change):
        written = one_round_trip.update_recorded(
            loaded.pk, version, values, change, counts
        )
    else:
        written = Product.objects.filter(pk=loaded.pk, version=version).update(
            version=F("version") + 1, **values
        )
        if written and change is not None:
            recording.keep(change, counts)
    if not written:
        new.version = version
        raise refusal(loaded, version)
    replaced = loaded.image.name
    if replaced and replaced != new.image.name:
        set_aside_on_commit(Product, "image", new.image.storage, replaced)


def products_import(
    *,
    items: "Sequence[BatchItem] | Chunks",
    label: str,
    skip_conflicts: bool = False,
) -> Optional[ChangeBatch]:
    """Applies a previewed CSV import (``BatchItem`` per row) in one transaction,
    recorded as one ``ChangeBatch`` and announced with all its changes as one
    set. Returns the
    batch, or ``None`` when no row changes anything. A product changed since the
    preview is merged with the row, field by field, as a stale form is. Raises,
    writing nothing, ``BatchConflicts`` if a row changes a field someone else
    changed differently (unless ``skip_conflicts``: then those rows are left
    out), ``BatchStale`` if a product was deleted or a new SKU taken since.

    ``items`` may also be a callable returning the items a chunk at a time
    (lists of ``BatchItem``: a file planned as it is read, ``planning.chunks``),
    each chunk written before the next is made, all in the one transaction;
    called again if the batch has to be written again."""
    return write_batch(
        ChangeBatch.Kind.IMPORT, label, items, merge=True, skip=skip_conflicts
    )


def products_bulk(*, items: Sequence[BatchItem], label: str) -> Optional[ChangeBatch]:
    """Applies a previewed bulk action, as ``products_import`` does."""
    return write_batch(ChangeBatch.Kind.BULK, label, items)


def batch_revert(*, plan: "BatchRevertPlan") -> Optional[ChangeBatch]:
    """Undoes the products of ``plan`` (a ``batch_reverts.BatchRevertPlan``) that
    nothing blocks, as one new batch that reverts ``plan.batch``. Returns it
    (``None`` if nothing was left to undo); raises ``BatchStale`` as an import
    does if any of them moved on since the plan was made."""
    with write_transaction():  # files brought back go if it fails
        items = [undo.item for undo in plan.ready]
        for item in items:
            item.values = with_kept_files(item.values)
        return write_batch(ChangeBatch.Kind.UNDO, plan.label, items, reverts=plan.batch)


def with_kept_files(values: Mapping[str, object]) -> Mapping[str, object]:
    """``values`` with the image, if it is a kept file, stored again."""
    name = values.get("image")
    if not name:
        return values
    storage = Product._meta.get_field("image").storage
    return {**values, "image": bring_back(storage, str(name))}


def write_batch(
    kind: str,
    label: str,
    items: "Sequence[BatchItem] | Chunks",
    reverts: Optional[ChangeBatch] = None,
    merge: bool = False,
    skip: bool = False,
) -> Optional[ChangeBatch]:
    """``items``: a list of ``BatchItem``, or a callable returning them in
    chunks (``products_import``). ``reverts``: the batch this one undoes
    (``batch_reverts``). ``merge``: a product changed since its preview is
    merged with its item (``skip``: items that conflict are left out) instead
    of refusing the batch.

    One attempt per address taken meanwhile: a new product's address is picked
    inside the transaction, and another writer may insert that one before this
    batch commits (PostgreSQL's unique index then refuses it). Nothing of a
    failed attempt stays, so the next one picks the addresses again."""
    chunks = items if callable(items) else lambda: [items]
    for attempt in count(1):
        written = _Written()
        try:
            return _write_batch(kind, label, chunks, written, reverts, merge, skip)
        except IntegrityError:
            # The chunk being written when the database refused it.
            items = written.chunk
            stale = stale_items(items)  # a SKU created meanwhile
            if stale:
                raise BatchStale(stale)
            new = [item.new for item in items if item.product is None]
            if attempt >= SLUG_ATTEMPTS or not slugs_taken(new):
                raise
            for item in items:
                item.__dict__.pop("new", None)  # made again, unsaved


@dataclass
class _Written:
    """How far one attempt at a batch got: the chunk it is writing, the items
    it was given, and what stops it from committing (found in any chunk; the
    chunks after the first refusal are checked, not written)."""

    chunk: Sequence[BatchItem] = ()  # set by __post_init__, as the others
    items: int = 0
    stale: Optional[list["StaleVersion | ProductGone"]] = None
    conflicts: Optional[list[RowConflict]] = None

    def __post_init__(self) -> None:
        self.chunk, self.stale, self.conflicts = [], [], []

    @property
    def refused(self) -> bool:
        return bool(self.stale or self.conflicts)


def slugs_taken(products: Iterable[Product]) -> bool:
    """Whether another product holds the address one of ``products`` tried."""
    return Product.objects.filter(
        slug__in=[product.slug for product in products if product.slug]
    ).exists()


def _write_batch(
    kind: str,
    label: str,
    chunks: "Chunks",
    written: _Written,
    reverts: Optional[ChangeBatch] = None,
    merge: bool = False,
    skip: bool = False,
) -> Optional[ChangeBatch]:
    actor = current_actor()
    user = actor.authenticated_user
    try:
        with write_transaction():
            batch = ChangeBatch.objects.create(
                kind=kind,
                label=label,
                actor_id=user.pk if user else None,
                actor_name=user.get_username() if user else "",
                source=actor.source,
                reverts=reverts,
            )
            with batches.recording(batch) as recorded:
                for items in chunks():
                    written.chunk = items
                    written.items += len(items)
                    _write_chunk(items, recorded, written, merge, skip)
                    recorded.save_all()
            if written.stale:
                raise BatchStale(written.stale)
            if written.conflicts:
                raise BatchConflicts(
                    written.conflicts, written.items - len(written.conflicts)
                )
            if not recorded.count:
                batch.delete()  # an import that changes nothing is not an event
                return None
            batch.entry = recorded.last
            batch.summary = recorded.summary(unchanged=written.items - recorded.count)
            batch.save(update_fields=["entry", "summary"])
            recording.record_batch(batch, recorded.changes)
    except (StaleVersion, ProductGone) as refused:  # between the check and write
        raise BatchStale([refused]) from refused
    return batch


def _write_chunk(
    items: Sequence[BatchItem],
    recorded: batches.Recording,
    written: _Written,
    merge: bool,
    skip: bool,
) -> None:
    """One chunk of a batch's items, written unless this or an earlier chunk
    was refused (then only checked, so that every refusal is named)."""
    stale = stale_items(items)
    if merge:  # merged under the lock below: refused only if deleted or taken
        stale = [refused for refused in stale if not _moved_on(refused)]
    written.stale += stale
    updates = [item for item in items if item.product is not None and not item.delete]
    locked = None
    if merge and not written.stale:
        updates, conflicts, locked = _merge_moved(updates)
        if not skip:
            written.conflicts += conflicts
    if written.refused:
        return
    _update_all(updates, locked)
    _create_all(
        [item.new for item in items if item.product is None],
        [item.reverts for item in items if item.product is None],
    )
    _delete_all([item for item in items if item.delete])


def _moved_on(refused: "StaleVersion | ProductGone") -> bool:
    """Whether a ``stale_items`` refusal is of a product that still exists and
    changed since (not one deleted, nor a SKU taken by a new product: version 0)."""
    return not refused.gone and refused.version != 0


def _merge_moved(
    items: list[BatchItem],
) -> tuple[list[BatchItem], list[RowConflict], dict[int, int]]:
    """``items`` with those whose product moved on since the preview merged
    with it, field by field, their rows locked until the batch commits; a
    ``RowConflict`` for each that cannot be merged (left out of the items); and
    ``{pk: version}`` of the rows locked."""
    # Only the product rows are locked (the category is an outer join).
    rows = Product.objects.select_for_update(of=("self",)).filter(
        pk__in=[item.product.pk for item in items]
    )
    versions = dict(rows.values_list("pk", "version"))
    moved = {
        item.product.pk
        for item in items
        if versions.get(item.product.pk) != item.expected_version
    }
    if not moved:
        return items, [], versions
    current = rows.select_related("category").in_bulk(moved)
    merged: list[BatchItem]
    conflicts: list[RowConflict]
    merged, conflicts = [], []
    for item in items:
        if item.product.pk not in moved:
            merged.append(item)
            continue
        now = current.get(item.product.pk)
        if now is None:
            raise ProductGone(item.product, deletion_at(item.product.slug))
        names = edited_fields(item.values)
        try:
            new, _ = _merge(now, item.new, names, item.expected_version, {}, None)
        except MergeConflict as conflict:
            conflicts.append(RowConflict(now, conflict.conflicts))
            continue
        values = {name: getattr(new, name) for name in names}
        merged.append(BatchItem(now, values, now.version))
    return merged, conflicts, versions


def stale_items(items: Iterable[BatchItem]) -> list["StaleVersion | ProductGone"]:
    """A refusal for each item whose product is not at the version the preview
    showed: changed, created or deleted since."""
    # Versions only (a 100,000-row import would load every product again);
    # the few that moved on are read in full by ``refusal``.
    versions: dict[int, int] = {}
    chunk: Sequence[object]  # of pks, then of SKUs
    pks = [item.product.pk for item in items if item.product is not None]
    for start in range(0, len(pks), SLUG_LOOKUP_CHUNK):
        chunk = pks[start : start + SLUG_LOOKUP_CHUNK]
        versions.update(
            Product.objects.filter(pk__in=chunk).values_list("pk", "version")
        )
    new_skus = [item.values["sku"] for item in items if item.product is None]
    refusals: list[StaleVersion | ProductGone] = []
    for start in range(0, len(new_skus), SLUG_LOOKUP_CHUNK):
        chunk = new_skus[start : start + SLUG_LOOKUP_CHUNK]
        appeared = Product.objects.filter(sku__in=chunk)
        refusals += [refusal(product, 0) for product in appeared]
    for item in items:
        if item.product is None:
            continue
        version = versions.get(item.product.pk)
        if version is None:
            refusals.append(ProductGone(item.product, deletion_at(item.product.slug)))
        elif version != item.expected_version:
            refusals.append(refusal(item.product, item.expected_version or 0))
    return refusals


def give_free_slugs(products: Sequence[Product]) -> None:
    """Gives each new product the first address made from its name that is
    free, reading the taken ones for the whole batch at once (a product saved
    alone asks once per product, ``Product.free_slugs``)."""
    bases = {id(product): slug_from_name(product.name) for product in products}
    distinct = sorted(set(bases.values()))
    taken: set[str]
    searched: set[str]
    taken, searched = set(), set()
    for start in range(0, len(distinct), SLUG_LOOKUP_CHUNK):
        chunk = distinct[start : start + SLUG_LOOKUP_CHUNK]
        taken.update(
            Product.objects.filter(slug__in=chunk).values_list("slug", flat=True)
        )
    for product in products:
        base = bases[id(product)]
        if base in taken and base not in searched:  # then look for numbered ones
            searched.add(base)
            taken.update(
                Product.objects.filter(slug__startswith=base).values_list(
                    "slug", flat=True
                )
            )
        product.slug = next(
            candidate
            for candidate in (numbered(base, number) for number in count(1))
            if candidate not in taken
        )
        taken.add(product.slug)


def _create_all(
    products: list[Product], reverts: Sequence[Optional[ProductChange]] = ()
) -> None:
    """The batch's new products, inserted together (``bulk_insert``: COPY on
    PostgreSQL), each with its change row (no signals are sent to record them);
    ``reverts``: per product, the deletion it undoes, if any."""
    give_free_slugs(products)
    for product in products:
        product.prepare_write()
    bulk_insert.insert(Product, products)
    for product, undone in zip_longest(products, reverts):
        recording.record(
            product, ProductChange.Action.CREATED, {}, snapshot(product), undone
        )


def _delete_all(items: Sequence[BatchItem]) -> None:
    """The batch's deletions (a batch undo deleting what an import created), each
    refused unless still at the version its preview saw, recorded before its row
    goes; its image is set aside once the deletion commits."""
    if not items:
        return
    _lock_at_versions(items)
    products = [item.product for item in items]
    deletions = [
        recording.record(
            item.product,
            ProductChange.Action.DELETED,
            snapshot(item.product),
            {},
            item.reverts,
        )
        for item in items
    ]
    # Inserted while their products' rows exist, which the delete then unlinks
    # (SET NULL): in memory they keep the pk, so the change set names each one.
    bulk_insert.insert(ProductChange, deletions)
    with recording.made_here(*products):
        # As Model.delete() does for one: a statement per related table for
        # all of them, not one delete per product.
        collector = Collector(using=router.db_for_write(Product))
        collector.collect(products)
        collector.delete()
    for product in products:
        if product.image.name:
            set_aside_on_commit(
                Product, "image", product.image.storage, product.image.name
            )


def _update_all(
    items: Sequence[BatchItem], locked: Optional[Mapping[int, int]] = None
) -> None:
    """The batch's updates: their rows read under a lock (PostgreSQL; SQLite
    writes one transaction at a time) and refused unless each is still at the
    version its preview saw; then written with one prepared statement, each at
    its version + 1, with its change row. ``locked``: ``{pk: version}`` of the
    rows, if this transaction has locked them already."""
    if not items:
        return
    if locked is None:
        _lock_at_versions(items)
    else:
        for item in items:
            if locked.get(item.product.pk) != item.expected_version:
                raise refusal(item.product, item.expected_version)
    fields: set[str]
    changed: list[Product]
    fields, changed, now = {"updated_at"}, [], timezone.now()
    for item in items:
        new = item.new
        new.prepare_write()
        new.version = item.expected_version + 1
        change = recording.record(
            new,
            ProductChange.Action.UPDATED,
            snapshot(item.product),
            snapshot(new),
            item.reverts,
        )
        if change is None:
            continue  # a row that changes nothing writes nothing
        fields.update(field.field for field in change.field_changes)
        new.updated_at = now
        changed.append(new)
    if changed:
        _update_rows(changed, [Product._meta.get_field(name) for name in fields])


def _lock_at_versions(items: Sequence[BatchItem]) -> None:
    """Locks the items' rows (PostgreSQL; SQLite writes one transaction at a
    time); refused unless each is still at the version its preview saw."""
    locked = dict(
        Product.objects.select_for_update()
        .filter(pk__in=[item.product.pk for item in items])
        .values_list("pk", "version")
    )
    for item in items:
        if locked.get(item.product.pk) != item.expected_version:
            raise refusal(item.product, item.expected_version)


def _update_rows(
    products: Sequence[Product], fields: "Sequence[Field[Any, Any]]"
) -> None:
    """One ``UPDATE ... SET <fields>, version = %s WHERE id = %s AND version =
    %s`` run for every product (``executemany``: prepared once; Django's
    ``bulk_update`` builds a CASE per row and field, slower than a query each).
    Every product carries its new version; the rows are locked at the old one."""
    quote = connection.ops.quote_name
    meta = Product._meta
    version, pk = quote(meta.get_field("version").column), quote(meta.pk.column)
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {assignments}, {version} = %s "
        f"WHERE {pk} = %s AND {version} = %s"
    )
    rows = [
        [
            field.get_db_prep_save(getattr(p, field.attname), connection)
            for field in fields
        ]
        + [p.version, p.pk, p.version - 1]
        for p in products
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        if cursor.rowcount != len(rows):  # impossible while the rows are locked
            raise DatabaseError(
                f"{len(rows) - cursor.rowcount} rows moved under a lock"
            )
