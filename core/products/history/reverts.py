"""Undoing a recorded change: which values a revert or a restore writes back, and
what stands in the way. Nothing here writes (``writes.product_revert`` and
``writes.product_restore`` do).

A revert sets each field of an update back to its old value, and only where the
field still holds that update's new value: a field someone changed since keeps
their value and blocks the revert, so that undoing one change never silently
undoes a later one. A restore recreates a deleted product from its last values.

Values come back from the raw strings the change stored (``Field.to_python``), a
related row by its primary key and a file by its name, each only if it still
exists (a file set aside for undo, ``kept_files``, counts: the write brings it
back).
"""

import copy
from dataclasses import dataclass, field, replace
from itertools import count

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from products.formats import readable_file_name
from products.history.change_display import label, model_field, names_of, shown_value
from products.history.changes import as_text, same
from products.history.snapshots import raw_value
from products.images.kept_files import is_kept
from products.models import Product, ProductChange
from products.models.change import read_field_changes
from products.models.product import normal_sku
from products.slugs import numbered, slug_from_name


class CannotUndo(Exception):
    """This change cannot be undone at all; ``str()`` says why, for the page."""

    def __init__(self, message, undone_by=None):
        super().__init__(message)
        self.undone_by = undone_by  # the change that already undid it, if any


class ValueGone(Exception):
    """A stored value whose row or file no longer exists."""


@dataclass(frozen=True)
class Step:
    """One field of a revert, as the page shows it."""

    field: str
    label: str
    now: str  # what the product holds now
    restored: str  # what reverting sets it back to
    problem: str = ""  # why it cannot be set back; empty if it can


@dataclass
class RevertPlan:
    change: ProductChange
    steps: list
    # What to write: {field name: value as the model takes it}.
    values: dict
    problems: list = field(default_factory=list)  # not about one field

    @property
    def blocked(self):
        return bool(self.problems) or any(step.problem for step in self.steps)

    @property
    def blocking_steps(self):
        return [step for step in self.steps if step.problem]

    def refused(self, error):
        """The plan with ``error`` (a ValidationError from the model) beside the
        fields it names; what it says about no shown field goes to ``problems``."""
        if hasattr(error, "error_dict"):
            messages = dict(error.message_dict)
        else:
            messages = {NON_FIELD_ERRORS: error.messages}
        for index, step in enumerate(self.steps):
            if step.field in messages:
                problem = " ".join(messages.pop(step.field))
                self.steps[index] = replace(step, problem=problem)
        for name, texts in messages.items():
            prefix = "" if name == NON_FIELD_ERRORS else f"{label(name)}: "
            self.problems.append(prefix + " ".join(texts))
        return self


def stored_value(target, raw, rows=None):
    """The value a stored string stands for, as the model takes it (a related
    row as an instance, from ``rows`` (``related_rows``) when given). Raises
    ``ValueGone`` for a row or file that no longer exists, ``ValidationError``
    for a string the field cannot read."""
    if raw == "":
        return None if target.null else ""
    if target.is_relation:
        related = target.related_model
        if rows is not None:
            related._meta.pk.to_python(raw)  # a string it cannot read raises
            found = rows.get((related, raw))
        else:
            row = related._default_manager.filter(pk=related._meta.pk.to_python(raw))
            found = row.first()
        if not found:
            name = target.verbose_name
            raise ValueGone(f"The {name} it had (#{raw}) has been deleted since.")
        return found
    if isinstance(target, models.FileField):
        if not target.storage.exists(raw) and not is_kept(raw):
            raise ValueGone(f"The file {readable_file_name(raw)} is no longer stored.")
        return raw
    return target.to_python(raw)


def holds(product, target, raw):
    """Whether ``product``'s field holds the stored value ``raw``, compared as
    the field's Python type (``5.0`` is ``5.00``, empty is empty)."""
    try:
        expected = None if raw == "" else target.to_python(raw)
    except ValidationError:
        return False
    return same(raw_value(product, target), expected)


def revert_plan(product, change, rows=None):
    """What reverting ``change``, an update of ``product``, would write, field by
    field, with what blocks it. Raises ``CannotUndo`` for a create or a delete.

    ``rows`` (``change_display.related_rows``): the related rows that the change
    and the product refer to, looked up once for many plans (a batch's); the
    model's rules are then checked without queries (``check_on_model``)."""
    if change.action == ProductChange.Action.CREATED:
        raise CannotUndo(
            "A creation cannot be reverted: delete the product to undo it."
        )
    if change.action == ProductChange.Action.DELETED:
        raise CannotUndo(
            "A deletion is not reverted but restored: use “Restore” on its row "
            "in the live feed."
        )
    plan = RevertPlan(change=change, steps=[], values={})
    names = None if rows is None else names_of(rows)
    for item, is_display_text in read_field_changes(change.changes):
        plan.steps.append(
            revert_step(product, item, is_display_text, plan.values, rows, names)
        )
    if not plan.blocked:
        check_on_model(product, plan, queries=rows is None)
    return plan


def revert_step(product, item, is_display_text, values, rows=None, names=None):
    """The ``Step`` of one recorded field; its value goes into ``values`` when it
    can be set back."""
    target = model_field(item.field)
    restored = shown_value(item.field, item.old, names)
    if target is None:
        return Step(
            item.field, item.field, "", item.old, "This field no longer exists."
        )
    now = shown_value(item.field, as_text(raw_value(product, target)), names)
    step = Step(item.field, label(item.field), now, restored)
    if is_display_text:
        problem = "Recorded by an older version as text; it cannot be set back."
    elif not holds(product, target, item.new):
        changed_to = shown_value(item.field, item.new, names)
        problem = f"Changed since: this change set it to {changed_to}."
    else:
        try:
            values[item.field] = stored_value(target, item.old, rows)
            return step
        except (ValueGone, ValidationError) as error:
            problem = reason(error)
    return Step(step.field, step.label, now, restored, problem)


def reason(error):
    """What a ``ValueGone`` or a ``ValidationError`` says, as one sentence."""
    return " ".join(getattr(error, "messages", [str(error)]))


def check_on_model(product, plan, queries=True):
    """The model's own rules for the product as reverting would leave it (a
    unique SKU or address taken meanwhile, a reserved slug ...). Without
    ``queries`` (a batch: thousands of products), the rules on the values alone:
    related rows were found in bulk, a unique value is checked only if the plan
    sets it, and the database's constraints hold values the model validators
    already checked."""
    reverted = copy.copy(product)
    for name, value in plan.values.items():
        setattr(reverted, name, value)
    untouched = [
        f.name for f in Product._meta.concrete_fields if f.name not in plan.values
    ]
    try:
        if queries:
            reverted.full_clean(exclude=untouched)
        else:
            relations = [f.name for f in Product._meta.concrete_fields if f.is_relation]
            reverted.clean_fields(exclude=untouched + relations)
            reverted.clean()
            if any(Product._meta.get_field(name).unique for name in plan.values):
                reverted.validate_unique(exclude=untouched)
    except ValidationError as error:
        plan.refused(error)


def restore_plan(deletion):
    """A new, unsaved product with the last values of the product ``deletion``
    deleted, and notes on what could not come back. Raises ``CannotUndo`` when
    it cannot be restored at all."""
    if deletion.action != ProductChange.Action.DELETED:
        raise CannotUndo("Only a deletion can be restored; this change is not one.")
    undone_by = deletion.reverted_by.order_by("pk").first()
    if undone_by is not None:
        raise CannotUndo(
            f"“{deletion.product_name}” was restored already, by change "
            f"#{undone_by.pk}.",
            undone_by=undone_by,
        )
    product, notes = Product(), []
    for item, is_display_text in read_field_changes(deletion.changes):
        target = model_field(item.field)
        if target is None or not target.editable:
            continue  # a field removed since: the product is made without it
        if is_display_text:
            raise CannotUndo(
                "This deletion was recorded by an older version, as text; the "
                "product cannot be made from it."
            )
        try:
            setattr(product, item.field, stored_value(target, item.old))
        except (ValueGone, ValidationError) as error:
            if not target.blank:
                raise CannotUndo(reason(error)) from error
            notes.append(f"{reason(error)} It was restored without it.")
    notes += give_free_slug(product)
    refuse_taken_sku(product)
    try:
        product.full_clean()
    except ValidationError as error:
        raise CannotUndo(reason(error)) from error
    return product, notes


def give_free_slug(product):
    """Its old address when no product has it now, else the first numbered one
    free (``blue-mug-2``, ...). Returns the notes to show."""
    wanted = product.slug or slug_from_name(product.name)
    taken = set(
        Product.objects.filter(slug__startswith=wanted).values_list("slug", flat=True)
    )
    product.slug = next(
        slug for number in count(1) if (slug := numbered(wanted, number)) not in taken
    )
    if product.slug == wanted:
        return []
    return [
        f"Its address “{wanted}” belongs to another product now; it is at "
        f"“{product.slug}”."
    ]


def refuse_taken_sku(product):
    other = Product.objects.filter(sku=normal_sku(product.sku)).first()
    if other is not None:
        raise CannotUndo(
            f"Another product, “{other.name}”, uses the SKU {other.sku} now: "
            "SKUs are unique. Change that product's SKU first, then restore this one."
        )


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
