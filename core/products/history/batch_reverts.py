"""Undoing a whole batch (an import, a bulk action, an earlier undo): what each of
its products would become, and which ones moved on since. Nothing here writes
(``writes.write_batch`` does, as one new batch).

Each change of the batch is undone as a single undo would undo it: an update is
reverted field by field (``reverts.revert_plan``: a field someone changed since
blocks it), a create is undone by deleting the product (blocked if any of its
fields changed since), a deletion by restoring the product
(``reverts.restore_plan``). A blocked product is left as it is: the whole batch
is undone only when none is blocked, or, when the user asks, all the others.
"""

from dataclasses import dataclass, field

from products.history.batches import BatchItem, described
from products.history.change_display import (
    ESSENTIAL_FIELDS,
    label,
    names_of,
    related_rows,
    shown_value,
)
from products.history.changes import as_text
from products.history.reverts import CannotUndo, Step, holds, restore_plan, revert_plan
from products.history.snapshots import raw_value, tracked_fields
from products.models import ChangeBatch, Product, ProductChange

# What the preview shows for a product that the undo deletes, or that is deleted
# until the undo restores it.
DELETED = "(deleted)"
RESTORED = "(deleted now)"


@dataclass
class ProductUndo:
    """One product of the batch: what undoing its change writes (``item``), field
    by field as the page shows it (``steps``), and what blocks it."""

    change: ProductChange
    product: object  # as it is now; None once deleted (or not restored yet)
    what: str  # "revert", "delete" or "restore"
    steps: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # not about one field
    notes: list = field(default_factory=list)  # what a restore leaves out
    item: object = None  # a batches.BatchItem when it can be undone

    @property
    def name(self):
        return self.product.name if self.product else self.change.product_name

    @property
    def blocked(self):
        return bool(self.problems) or any(step.problem for step in self.steps)


@dataclass
class BatchRevertPlan:
    batch: ChangeBatch
    undos: list

    @property
    def blocked(self):
        return [undo for undo in self.undos if undo.blocked]

    @property
    def ready(self):
        return [undo for undo in self.undos if not undo.blocked]

    @property
    def label(self):
        """What the undo batch is called: ``import items.csv``."""
        return described(self.batch)[:255]


def batch_revert_plan(batch):
    """What undoing ``batch`` would write, product by product. Raises
    ``CannotUndo`` if it was undone already or holds no change any more."""
    undone_by = batch.reverted_by.order_by("pk").first()
    if undone_by is not None:
        raise CannotUndo(
            f"This batch was undone already, by batch #{undone_by.pk}.",
            undone_by=undone_by,
        )
    changes = list(batch.changes.order_by("pk"))
    if not changes:
        raise CannotUndo("The changes of this batch are no longer kept.")
    current = Product.objects.in_bulk(
        {change.product_id for change in changes if change.product_id}
    )
    rows = referred_rows(changes, current.values())
    undos, seen = [], set()
    for change in changes:
        product = current.get(change.product_id)
        if product is not None and product.pk in seen:
            continue  # a product written twice: its first change is undone
        seen.add(getattr(product, "pk", None))
        undos.append(product_undo(change, product, rows))
    return BatchRevertPlan(batch, undos)


def referred_rows(changes, products):
    """The related rows (categories) that the changes and the products refer
    to, looked up once for the whole batch: ``change_display.related_rows``."""
    relations = [f for f in tracked_fields(Product) if f.is_relation]
    values = [
        (item.field, raw)
        for change in changes
        for item in change.field_changes
        for raw in (item.old, item.new)
    ]
    values += [
        (f.name, as_text(raw_value(product, f)))
        for product in products
        for f in relations
    ]
    return related_rows(values)


def product_undo(change, product, rows):
    if change.action == ProductChange.Action.DELETED:
        return restore_undo(change)
    if product is None:
        what = "delete" if change.action == ProductChange.Action.CREATED else "revert"
        return ProductUndo(change, None, what, problems=["Deleted since."])
    if change.action == ProductChange.Action.CREATED:
        return delete_undo(change, product, names_of(rows))
    plan = revert_plan(product, change, rows)
    undo = ProductUndo(change, product, "revert", plan.steps, list(plan.problems))
    if not undo.blocked:
        undo.item = BatchItem(product, plan.values, product.version, reverts=change)
    return undo


def delete_undo(creation, product, names):
    """Deleting what ``creation`` created: a step per field that still holds the
    created value; one changed since blocks it."""
    created = {item.field: item.new for item in creation.field_changes}
    steps = []
    for target in tracked_fields(Product):
        if target.name not in created and raw_value(product, target) in (None, ""):
            continue
        raw = created.get(target.name, "")
        now = shown_value(target.name, as_text(raw_value(product, target)), names)
        problem = ""
        if not holds(product, target, raw):
            created_with = shown_value(target.name, raw, names)
            problem = f"Changed since: it was created with {created_with}."
        steps.append(Step(target.name, label(target.name), now, DELETED, problem))
    undo = ProductUndo(creation, product, "delete", steps)
    if not undo.blocked:
        undo.item = BatchItem(
            product, {}, product.version, reverts=creation, delete=True
        )
    return undo


def restore_undo(deletion):
    """Restoring the product ``deletion`` deleted, as a restore would."""
    try:
        product, notes = restore_plan(deletion)
    except CannotUndo as error:
        return ProductUndo(deletion, None, "restore", problems=[str(error)])
    fields = [target for target in tracked_fields(Product) if target.editable]
    steps = [
        Step(
            target.name,
            label(target.name),
            RESTORED,
            shown_value(target.name, as_text(raw_value(product, target))),
        )
        for target in fields
        if target.name in ESSENTIAL_FIELDS
    ]
    values = {target.name: getattr(product, target.name) for target in fields}
    undo = ProductUndo(deletion, None, "restore", steps, notes=notes)
    undo.item = BatchItem(None, values, reverts=deletion)
    return undo
