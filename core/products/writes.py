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

An image stored on the way is deleted again if the transaction does not commit
(see ``uploads``); one that the write replaces is deleted once it commits. A unique
SKU or address taken by another write between the form's check and the save is
explained on the form, beside its field, instead of failing the request.
"""

import copy
from dataclasses import dataclass
from functools import cached_property
from itertools import count

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection
from django.db.models import F
from django.utils import timezone

from . import batches, recording
from .actor import current_actor
from .change_display import show_changes
from .models import ChangeBatch, Product, ProductChange
from .reverts import CannotUndo, restore_plan, revert_plan
from .slugs import numbered, slug_from_name
from .snapshots import snapshot
from .uploads import delete_on_commit, remember_stored, write_transaction

# Fields whose uniqueness only the database can guarantee under concurrency.
UNIQUE_FIELDS = ("sku", "slug")
# Addresses taken are looked up this many at a time for a batch of new products,
# which are then inserted this many per statement.
SLUG_LOOKUP_CHUNK = 2_000
INSERT_CHUNK = 500


class Conflict(Exception):
    """The product is no longer the one the caller loaded; nothing was written."""

    gone = False  # whether the product no longer exists


class StaleVersion(Conflict):
    def __init__(self, product, version, changes):
        super().__init__(f"{product} is at version {product.version}, not {version}")
        self.product = product  # as it is now
        self.version = version  # the one the caller had
        # The ProductChanges since then, oldest first, ready to be shown.
        self.changes = changes


class RevertBlocked(Conflict):
    """Some field of the change cannot be set back (changed since, or its value
    is gone); nothing was written. ``plan`` (a ``reverts.RevertPlan``) says which."""

    def __init__(self, product, plan):
        super().__init__(f"{plan.change} cannot be reverted on {product}")
        self.product = product  # as it is now
        self.plan = plan


@dataclass(frozen=True)
class Restored:
    product: Product
    notes: list  # what did not come back, and where it lives now


class ProductGone(Conflict):
    gone = True

    def __init__(self, product, deletion):
        super().__init__(f"{product} was deleted")
        self.product = product  # as the caller loaded it
        self.deletion = deletion  # the ProductChange that deleted it, if found


class BatchStale(Conflict):
    """Products of a batch changed, appeared or went since its preview; nothing
    was written. ``refusals`` holds a ``StaleVersion`` or ``ProductGone`` per
    product, as a single write would raise it."""

    def __init__(self, refusals):
        super().__init__(f"{len(refusals)} products changed since the preview")
        self.refusals = refusals


@dataclass
class BatchItem:
    """One product of a batch: ``product`` as loaded (``None``: create one),
    the new field ``values`` (already validated), and the version the preview
    showed (``None``: it did not exist then)."""

    product: object
    values: dict
    expected_version: object = None

    @cached_property
    def new(self):
        """The product with the new values (a new one for a create)."""
        return with_values(self.product or Product(), self.values)


def product_create(*, form=None, data=None):
    """Saves a new product from a validated ``ProductForm``, or from ``data``
    (field values already validated, as a form's ``cleaned_data``). Returns the
    product; ``None`` with the reason on the form (``ValidationError`` with
    ``data``) when a concurrent write took its SKU or address first."""
    product = form.instance if form is not None else with_values(Product(), data)
    return _write(form, product, product.save)


def product_update(*, product, version, form=None, data=None, reverts=None):
    """Writes the new values over ``product`` if it is still at ``version``.

    ``product`` holds the values loaded with ``version``. The new values come
    from ``form``, a validated ``ProductUpdateForm`` bound to a copy of
    ``product``, or from ``data``, field values already validated. Returns the
    product as written (at its new version), or ``None`` as ``product_create``
    does. Raises ``StaleVersion`` or ``ProductGone``, writing nothing, if the
    product changed since ``version``. ``reverts``: the change this update undoes
    (recorded with it; only with a version).
    """
    new = form.instance if form is not None else with_values(product, data)
    if version is None:
        return _write(form, new, new.save)
    return _write(form, new, lambda: _update(product, new, version, reverts))


def product_delete(*, product, version):
    """Deletes ``product`` if it is still at ``version``, else raises as
    ``product_update`` does, deleting nothing. Its image is deleted once the
    deletion commits."""
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
            delete_on_commit(
                Product, "image", product.image.storage, product.image.name
            )


def product_revert(*, product, change, version):
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
        return product_update(
            product=product, version=version, data=plan.values, reverts=change
        )
    except ValidationError as error:  # a unique value taken meanwhile
        raise RevertBlocked(product, plan.refused(error)) from error


def product_restore(*, deletion):
    """Recreates the product that ``deletion`` deleted, from its last values,
    recorded as a create that reverts ``deletion``. Returns ``Restored``; raises
    ``CannotUndo`` (nothing written) if it was restored already, its SKU is
    taken, or ``deletion`` is no deletion."""
    product = None
    try:
        with write_transaction():
            # Held until commit: of two restores at once, the second waits here
            # and then finds the first (PostgreSQL; SQLite writes one at a time).
            locked = ProductChange.objects.select_for_update().get(pk=deletion.pk)
            product, notes = restore_plan(locked)
            recording.create(product, reverts=locked)
    except IntegrityError as error:  # its SKU or address taken meanwhile
        taken = taken_values(product) if product is not None else {}
        if not taken:
            raise
        raise CannotUndo(" ".join(taken.values())) from error
    return Restored(product, notes)


def refusal(product, version):
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


def deletion_at(slug):
    """The latest recorded deletion of a product at ``slug``, or None. Rare (an
    address nothing answers at), so the change rows are searched rather than an
    index kept for it on every write."""
    return (
        ProductChange.objects.filter(
            action=ProductChange.Action.DELETED, product_slug=slug
        )
        .order_by("-pk")
        .first()
    )


def explain_taken_values(form, product=None):
    """After an ``IntegrityError``: adds an error beside each unique field whose
    value another product now has. False if there is none, that is, if the error
    was something else."""
    errors = taken_values(product or form.instance)
    for name, message in errors.items():
        form.add_error(name if name in form.fields else None, message)
    return bool(errors)


def taken_values(product):
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


def _write(form, product, write):
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


def with_values(product, data):
    """A copy of ``product`` with ``data`` applied as a model form applies it."""
    new = copy.copy(product)
    for name, value in data.items():
        Product._meta.get_field(name).save_form_data(new, value)
    return new


def _claim(product, version):
    return Product.objects.filter(pk=product.pk, version=version).update(
        version=F("version") + 1
    )


def _update(loaded, new, version, reverts=None):
    """``UPDATE ... SET <changed columns>, version = version + 1 WHERE id = %s
    AND version = %s`` and the change row; nothing at all if nothing changed."""
    if loaded.version != version:
        raise refusal(loaded, version)
    uploading = new.prepare_write()
    if not new.slug:  # left empty in the admin: made from the name
        new.slug = next(new.free_slugs())
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
    if not Product.objects.filter(pk=loaded.pk, version=version).update(
        version=F("version") + 1, **values
    ):
        raise refusal(loaded, version)
    new.version = version + 1
    recording.record(
        new, ProductChange.Action.UPDATED, snapshot(loaded), snapshot(new), reverts
    )
    replaced = loaded.image.name
    if replaced and replaced != new.image.name:
        delete_on_commit(Product, "image", new.image.storage, replaced)


def products_import(*, items, label):
    """Applies a previewed CSV import (``BatchItem`` per row) in one transaction,
    recorded as one ``ChangeBatch`` and announced with all its changes as one
    set. Returns the batch, or ``None`` when no row changes anything. Raises
    ``BatchStale``, writing nothing, if a product is no longer as the preview
    showed it."""
    return write_batch(ChangeBatch.Kind.IMPORT, label, items)


def products_bulk(*, items, label):
    """Applies a previewed bulk action, as ``products_import`` does."""
    return write_batch(ChangeBatch.Kind.BULK, label, items)


def write_batch(kind, label, items):
    stale = stale_items(items)
    if stale:
        raise BatchStale(stale)
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
            )
            with batches.recording(batch) as recorded:
                _update_all([item for item in items if item.product is not None])
                _create_all([item.new for item in items if item.product is None])
                recorded.save_all()
            if not recorded.changes:
                batch.delete()  # an import that changes nothing is not an event
                return None
            batch.entry = recorded.changes[-1]
            batch.summary = batches.summarise(
                recorded.changes, unchanged=len(items) - len(recorded.changes)
            )
            batch.save(update_fields=["entry", "summary"])
            recording.record_batch(batch, recorded.changes)
    except StaleVersion as refused:  # changed between the check and its write
        raise BatchStale([refused]) from refused
    except IntegrityError:
        stale = stale_items(items)  # a SKU created meanwhile
        if stale:
            raise BatchStale(stale)
        raise
    return batch


def stale_items(items):
    """A refusal for each item whose product is not at the version the preview
    showed: changed, created or deleted since."""
    current = Product.objects.select_related("category").in_bulk(
        [item.product.pk for item in items if item.product is not None]
    )
    new_skus = [item.values["sku"] for item in items if item.product is None]
    appeared = Product.objects.filter(sku__in=new_skus)
    refusals = [refusal(product, 0) for product in appeared]
    for item in items:
        if item.product is None:
            continue
        now = current.get(item.product.pk)
        if now is None:
            refusals.append(ProductGone(item.product, deletion_at(item.product.slug)))
        elif now.version != item.expected_version:
            refusals.append(refusal(now, item.expected_version or 0))
    return refusals


def give_free_slugs(products):
    """Gives each new product the first address made from its name that is
    free, reading the taken ones for the whole batch at once (a product saved
    alone asks once per product, ``Product.free_slugs``)."""
    bases = {id(product): slug_from_name(product.name) for product in products}
    distinct = sorted(set(bases.values()))
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


def _create_all(products):
    """The batch's new products, inserted ``INSERT_CHUNK`` per statement, each
    with its change row (``bulk_create`` sends no signals to record them)."""
    give_free_slugs(products)
    for product in products:
        product.prepare_write()
    Product.objects.bulk_create(products, batch_size=INSERT_CHUNK)
    for product in products:
        recording.record(product, ProductChange.Action.CREATED, {}, snapshot(product))


def _update_all(items):
    """The batch's updates: their rows read under a lock (PostgreSQL; SQLite
    writes one transaction at a time) and refused unless each is still at the
    version its preview saw; then written with one prepared statement, each at
    its version + 1, with its change row."""
    if not items:
        return
    locked = dict(
        Product.objects.select_for_update()
        .filter(pk__in=[item.product.pk for item in items])
        .values_list("pk", "version")
    )
    for item in items:
        if locked.get(item.product.pk) != item.expected_version:
            raise refusal(item.product, item.expected_version)
    fields, changed, now = {"updated_at"}, [], timezone.now()
    for item in items:
        new = item.new
        new.prepare_write()
        new.version = item.expected_version + 1
        change = recording.record(
            new, ProductChange.Action.UPDATED, snapshot(item.product), snapshot(new)
        )
        if change is None:
            continue  # a row that changes nothing writes nothing
        fields.update(field.field for field in change.field_changes)
        new.updated_at = now
        changed.append(new)
    if changed:
        _update_rows(changed, [Product._meta.get_field(name) for name in fields])


def _update_rows(products, fields):
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
