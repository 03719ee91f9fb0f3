"""A product's tracked fields as plain values, the input of ``changes.diff``."""

from decimal import Decimal

from django.db import connection, models
from django.utils.text import capfirst


def tracked_fields(model):
    return [
        field
        for field in model._meta.concrete_fields
        if field.name not in model.untracked_fields
    ]


def field_labels(model):
    return {field.name: capfirst(field.verbose_name) for field in tracked_fields(model)}


def plain_value(instance, field):
    """Related rows by display name, files by name, decimals at the field's scale."""
    if field.is_relation:
        if getattr(instance, field.attname) is None:
            return None
        return str(getattr(instance, field.name))
    value = field.value_from_object(instance)
    if isinstance(field, models.FileField):
        return value.name or None
    if isinstance(field, models.DecimalField) and value is not None:
        value = field.to_python(value)
        return value.quantize(Decimal(1).scaleb(-field.decimal_places))
    return value


def snapshot(instance):
    return {
        field.name: plain_value(instance, field)
        for field in tracked_fields(type(instance))
    }


def committed_snapshot(instance):
    """The row as committed, locked until the transaction ends where the database
    can (PostgreSQL), so concurrent edits of one product queue up and chain."""
    if instance._state.adding or instance.pk is None:
        return {}
    model = type(instance)
    related = [f.name for f in tracked_fields(model) if f.is_relation]
    # A primary-key lookup: no ORDER BY (first() would add the model's ordering).
    rows = (
        model._default_manager.select_related(*related)
        .filter(pk=instance.pk)
        .order_by()
    )
    if connection.features.has_select_for_update_of:
        rows = rows.select_for_update(of=("self",))
    committed = next(iter(rows), None)
    return snapshot(committed) if committed is not None else {}
