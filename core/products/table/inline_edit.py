"""Inline edits of the staff table: one field of one product (price, quantity or
category), written through the write path like any edit.

The post names the version the row was shown at, and the write path merges it
as it merges a stale form: a row that moved on since in other fields only is
saved with their values kept. When the same field moved on to another value,
nothing is written and the caller shows both values (theirs and mine).
"""

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError

from products.editing import writes
from products.models import Product

EDITABLE = ("price", "quantity", "category")


class InlineEditForm(forms.Form):
    field = forms.ChoiceField(choices=[(name, name) for name in EDITABLE])
    value = forms.CharField(required=False, max_length=100, strip=True)
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1)


def parse(field, text):
    """The value of ``field`` read from ``text`` by the model field's own form
    field (its validators included); raises ``ValidationError`` whose message
    shows the value refused."""
    form_field = Product._meta.get_field(field).formfield()
    try:
        value = form_field.clean(text)
        Product._meta.get_field(field).run_validators(
            value.pk if field == "category" and value is not None else value
        )
        return value
    except ValidationError as error:
        shown = text if len(text) <= 40 else text[:39] + "…"
        raise ValidationError(f"“{shown}”: {' '.join(error.messages)}") from error


@dataclass
class Refused(Exception):
    """The same field moved on to another value since ``version``."""

    product: Product  # as it is now
    field: str
    mine: object
    theirs: object
    by: list  # the change rows that moved it


def moved_field(changes, field):
    """Those of ``changes`` (rows of one product) that set ``field``."""
    return [
        change
        for change in changes
        if any(item.field == field for item in change.field_changes)
    ]


def save(product, field, value, version):
    """Writes ``field`` = ``value`` for a row shown at ``version``, merged by the
    write path with whatever changed since: fields others changed stay theirs,
    only this one is mine. Returns the product as written. Raises ``Refused``
    when the same field moved on since to another value, ``writes.ProductGone``
    when the product was deleted, ``ValidationError`` as the write path does."""
    try:
        written = writes.product_update(
            product=product, version=version, data={field: value}
        )
    except writes.MergeConflict as conflict:
        now = conflict.product
        # The rows since the row's version, which the merge read already.
        moved = moved_field(conflict.changes, field)
        raise Refused(now, field, value, getattr(now, field), moved) from conflict
    if written is None:
        raise ValidationError("This value was taken by another product meanwhile.")
    return written
