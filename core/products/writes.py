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
where the signals read the committed row under a lock.

An image stored on the way is deleted again if the transaction does not commit
(see ``uploads``); one that the write replaces is deleted once it commits. A unique
SKU or address taken by another write between the form's check and the save is
explained on the form, beside its field, instead of failing the request.
"""

import copy
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import F

from .change_display import show_changes
from .models import Product, ProductChange
from .reverts import CannotUndo, restore_plan, revert_plan
from .signals import record_change, recorded_by_caller
from .snapshots import snapshot
from .uploads import delete_on_commit, remember_stored, write_transaction

# Fields whose uniqueness only the database can guarantee under concurrency.
UNIQUE_FIELDS = ("sku", "slug")


class Conflict(Exception):
    """The product is no longer the one the caller loaded; nothing was written."""


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
    def __init__(self, product, deletion):
        super().__init__(f"{product} was deleted")
        self.product = product  # as the caller loaded it
        self.deletion = deletion  # the ProductChange that deleted it, if found


def product_create(*, form=None, data=None):
    """Saves a new product from a validated ``ProductForm``, or from ``data``
    (field values already validated, as a form's ``cleaned_data``). Returns the
    product; ``None`` with the reason on the form (``ValidationError`` with
    ``data``) when a concurrent write took its SKU or address first."""
    product = form.instance if form is not None else _with_values(Product(), data)
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
    new = form.instance if form is not None else _with_values(product, data)
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
        before = snapshot(product)
        with recorded_by_caller(product):
            # Recorded while the row still exists, so the change announced on
            # commit names the product's pk (the delete then unlinks the row).
            record_change(product, ProductChange.Action.DELETED, before, {})
            product.delete()
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
            with recorded_by_caller(product):
                product.save()
            record_change(
                product, ProductChange.Action.CREATED, {}, snapshot(product), locked
            )
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


def _with_values(product, data):
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
    record_change(
        new, ProductChange.Action.UPDATED, snapshot(loaded), snapshot(new), reverts
    )
    replaced = loaded.image.name
    if replaced and replaced != new.image.name:
        delete_on_commit(Product, "image", new.image.storage, replaced)
