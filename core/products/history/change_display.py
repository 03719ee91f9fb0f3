"""Recorded changes as people read them, made when shown and never stored (as the
admin does with its ``LogEntry``): labels from the model, values formatted per
field, related rows by their current name.

A page of rows is prepared with ``show_changes``, which looks related rows up in
bulk (one query per related model, not one per row) and, in one more query, the
changes that undid any of them (a revert, a restore); ``shown_change`` reads one
row, prepared or not.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.text import capfirst

from products.alerts.kinds import KINDS, LABELS, resolved_kinds
from products.formats import EMPTY, is_long, money, quantity, readable_file_name
from products.history import word_diff
from products.history.changes import FieldChange
from products.models import Product, ProductChange
from products.models.change import read_field_changes

# What create and delete rows show at once; their other fields fold away.
ESSENTIAL_FIELDS = ("name", "sku", "price", "quantity")
MONEY_FIELDS = frozenset({"price", "cost_price"})
# What can be undone: an update by a revert, a deletion by a restore; a create
# only by undoing its batch (``batch_reverts``), which deletes it.
UNDOABLE_ACTIONS = frozenset(
    {ProductChange.Action.UPDATED, ProductChange.Action.DELETED}
)
_PREPARED = "_shown_change"


@dataclass(frozen=True)
class ShownField:
    field: str
    label: str
    old: str
    new: str

    @property
    def essential(self):
        return self.field in ESSENTIAL_FIELDS

    @property
    def is_long(self):
        """Whether a row shows this value shortened: then it shows the words
        changed instead (``word_diff``)."""
        return is_long(self.old) or is_long(self.new)

    @property
    def changed_words(self):
        return word_diff.changed_words(self.old, self.new)

    @property
    def marked(self):
        """The whole old and new values with their changed spans marked."""
        return word_diff.marked(self.old, self.new)


@dataclass(frozen=True)
class ShownChange:
    fields: tuple
    # Ids of the changes that undid this one (reverted it, restored it), oldest
    # first.
    undone_by: tuple = ()
    # The stock alerts this change resolved, as read ("low stock").
    resolved: tuple = ()

    @property
    def essentials(self):
        return [item for item in self.fields if item.essential]

    @property
    def details(self):
        return [item for item in self.fields if not item.essential]

    @property
    def has_long_values(self):
        """Whether a row shortens any value (the full ones are on the change's
        own page)."""
        return any(is_long(item.old) or is_long(item.new) for item in self.fields)


def model_field(name):
    try:
        return Product._meta.get_field(name)
    except FieldDoesNotExist:  # a field removed since the row was recorded
        return None


def label(name):
    field = model_field(name)
    return capfirst(field.verbose_name) if field is not None else name


def related_model(name):
    field = model_field(name)
    if field is not None and field.is_relation and field.many_to_one:
        return field.related_model
    return None


def as_pk(model, raw):
    try:
        return model._meta.pk.to_python(raw)
    except ValidationError:
        return None


def related_names(items):
    """``{(model, raw pk): name}`` for the related rows that ``items`` (pairs of
    ``FieldChange`` and whether it holds display text) mention: one query per
    related model."""
    wanted = [
        (item.field, raw)
        for item, is_display_text in items
        if not is_display_text
        for raw in (item.old, item.new)
    ]
    return names_of(related_rows(wanted))


def names_of(rows):
    return {key: str(row) for key, row in rows.items()}


def related_rows(values):
    """``{(model, raw pk): row}`` for the rows that ``values``, pairs of a field
    name and a stored value, refer to (those that still exist): one query per
    related model."""
    wanted = defaultdict(set)
    for name, raw in values:
        model = related_model(name)
        if model is not None and raw and as_pk(model, raw) is not None:
            wanted[model].add(raw)
    rows = {}
    for model, raws in wanted.items():
        found = model._default_manager.in_bulk({as_pk(model, raw) for raw in raws})
        for raw in raws:
            row = found.get(as_pk(model, raw))
            if row is not None:
                rows[model, raw] = row
    return rows


def value_text(name, raw, names, is_display_text=False):
    """A stored value as shown: money (prices and the cost price), counts with
    separators, dates as the site writes them, a related row's name (``#3
    (deleted)`` once it is gone), a file's readable name."""
    if raw == "":
        return EMPTY
    field = model_field(name)
    if field is None:
        return raw
    if name in MONEY_FIELDS:
        return money(raw)
    if field.is_relation:
        model = related_model(name)
        if is_display_text or model is None or as_pk(model, raw) is None:
            return raw  # recorded as text by an older version
        return names.get((model, raw), f"#{raw} (deleted)")
    if isinstance(field, models.FileField):
        return readable_file_name(raw)
    if isinstance(field, models.DateField) and not isinstance(
        field, models.DateTimeField
    ):
        return readable_date(raw)
    if isinstance(field, models.BooleanField):
        return {"True": "yes", "False": "no"}.get(raw, raw)
    if isinstance(field, (models.IntegerField, models.DecimalField)):
        return quantity(raw)
    return raw


def undoing_changes(changes):
    """``{change id: [ids of the changes that undid it]}`` for the saved rows
    of ``changes`` that can be undone: one query, none if there are none."""
    ids = [c.pk for c in changes if c.pk and can_be_undone(c)]
    if not ids:
        return {}
    undone = defaultdict(list)
    rows = ProductChange.objects.filter(reverts__in=ids).order_by("pk")
    for reverted, pk in rows.values_list("reverts_id", "pk"):
        undone[reverted].append(pk)
    return undone


def can_be_undone(change):
    if change.action == ProductChange.Action.CREATED:
        return change.batch_id is not None
    return change.action in UNDOABLE_ACTIONS


def readable_date(raw):
    """``2027-06-30`` as the site writes dates (``June 30, 2027``)."""
    try:
        day = parse_date(raw)
    except ValueError:
        day = None
    return raw if day is None else date_format(day, "DATE_FORMAT")


def resolved_alerts(change):
    """The labels of the stock alerts an update resolved, from the kinds it
    recorded as open before and after it. A deletion closes its product's alerts
    but fixes nothing; a create had none before."""
    if change.action != change.Action.UPDATED or not isinstance(change.alerts, dict):
        return ()
    # Kinds this version does not know (a row from a later one) are left out.
    before, after = (
        [kind for kind in change.alerts.get(side) or [] if kind in KINDS]
        for side in ("before", "after")
    )
    return tuple(LABELS[kind] for kind in resolved_kinds(before, after))


def build(change, items, names, undone_by=()):
    return ShownChange(
        undone_by=tuple(undone_by),
        resolved=resolved_alerts(change),
        fields=tuple(
            ShownField(
                field=item.field,
                label=label(item.field),
                old=value_text(item.field, item.old, names, is_display_text),
                new=value_text(item.field, item.new, names, is_display_text),
            )
            for item, is_display_text in items
        ),
    )


def show_changes(changes):
    """Prepares ``changes`` (ProductChange rows) to be shown, looking related rows
    up for all of them at once. Returns ``changes``."""
    per_change = [read_field_changes(change.changes) for change in changes]
    names = related_names([item for items in per_change for item in items])
    undone = undoing_changes(changes)
    for change, items in zip(changes, per_change):
        setattr(
            change, _PREPARED, build(change, items, names, undone.get(change.pk, ()))
        )
    return changes


def shown_change(change):
    """The ``ShownChange`` of one ProductChange (prepared by ``show_changes`` or
    made now)."""
    prepared = getattr(change, _PREPARED, None)
    if prepared is None:
        show_changes([change])
        prepared = getattr(change, _PREPARED)
    return prepared


def shown_value(name, raw, names=None):
    """One stored value of field ``name`` as shown (a related row costs a query
    unless ``names``, from ``related_names`` or ``names_of``, holds it: use
    ``show_changes`` for many rows)."""
    if names is None:
        names = related_names([(FieldChange(field=name, old=raw, new=""), False)])
    return value_text(name, raw, names)
