"""A product's tracked fields as raw Python values, the input of ``changes.diff``."""

from decimal import Decimal

from django.db import connection, models


def tracked_fields(model):
    return [
        field
        for field in model._meta.concrete_fields
        if field.name not in model.untracked_fields
    ]


def raw_value(instance, field):
    """The value ``Field.value_to_string`` would write, still typed so that the
    diff compares it as such: related rows by primary key (read from the row
    itself, no query for the related one), files by name, decimals at the field's
    scale."""
    if field.is_relation:
        return getattr(instance, field.attname)
    value = field.value_from_object(instance)
    if isinstance(field, models.FileField):
        return value.name or None
    if isinstance(field, models.DecimalField) and value is not None:
        value = field.to_python(value)
        return value.quantize(Decimal(1).scaleb(-field.decimal_places))
    return value


def snapshot(instance):
    return {
        field.name: raw_value(instance, field)
        for field in tracked_fields(type(instance))
    }


def committed_snapshot(instance):
    """The row as committed, locked until the transaction ends where the database
    can (PostgreSQL), so concurrent edits of one product queue up and chain."""
    if instance._state.adding or instance.pk is None:
        return {}
    model = type(instance)
    # A primary-key lookup: no ORDER BY (first() would add the model's ordering).
    rows = model._default_manager.filter(pk=instance.pk).order_by()
    if connection.features.has_select_for_update:
        rows = rows.select_for_update()
    committed = next(iter(rows), None)
    return snapshot(committed) if committed is not None else {}
