"""The product's own fields, three times over: a plain model, one recorded by
django-simple-history, one recorded by django-auditlog. Made from ``Product``'s
field definitions, indexes and constraints, so that each compares with the same
row; none of these tables has a migration (``migrate --run-syncdb`` makes them).
"""

from typing import Any

from auditlog.registry import auditlog
from django.db import models
from simple_history.models import HistoricalRecords

from products.models import Product

# Ours alone: counted by the database, meaningless to the libraries compared.
NOT_COPIED = ("version",)


def product_fields():
    """New instances of ``Product``'s fields, other than its id and version."""
    fields: dict[str, models.Field[Any, Any]] = {}
    for field in Product._meta.concrete_fields:
        if field.primary_key or field.name in NOT_COPIED:
            continue
        if field.is_relation:
            assert field.remote_field is not None  # a relation has one
            # Made afresh: deconstructing a foreign key while models load asks
            # the registry, not ready yet, about swappable models.
            fields[field.name] = models.ForeignKey(
                field.remote_field.model,
                on_delete=field.remote_field.on_delete,
                null=field.null,
                blank=field.blank,
                related_name="+",
            )
            continue
        name, _, args, kwargs = field.deconstruct()
        fields[name] = type(field)(*args, **kwargs)
    return fields


def copied_index(index, label):
    """One of ``Product``'s indexes for the model ``label``: those named in its
    Meta (the partial ones must be) get the same name for this model; the others
    are left unnamed, so that Django names them after this model's table.

    The copy's name begins with the label without its ``product`` ending
    (``history_own_threshold_idx``): Django refuses index names over 30
    characters (models.E034), and ``historyproduct_own_threshold_idx`` is 32."""
    if index.name.startswith("product_"):
        return models.Index(
            fields=index.fields,
            condition=index.condition,
            name=index.name.replace("product", label.removesuffix("product"), 1),
        )
    return models.Index(fields=index.fields)


def product_meta(label):
    """``Product``'s indexes and constraints, named for the model ``label``."""
    constraints = []
    for constraint in Product._meta.constraints:
        if any(name in constraint.name for name in NOT_COPIED):
            continue
        copied = constraint.clone()
        copied.name = constraint.name.replace("product", label, 1)
        constraints.append(copied)
    indexes = [copied_index(index, label) for index in Product._meta.indexes]
    meta = {"app_label": "bench_comparison", "indexes": indexes}
    return type("Meta", (), {**meta, "constraints": constraints})


def product_model(name, **extra):
    attributes = {
        **product_fields(),
        **extra,
        "Meta": product_meta(name.lower()),
        "__module__": __name__,
        "__str__": lambda self: self.name,
    }
    return type(name, (models.Model,), attributes)


PlainProduct = product_model("PlainProduct")
HistoryProduct = product_model("HistoryProduct", history=HistoricalRecords())
AuditProduct = product_model("AuditProduct")
auditlog.register(AuditProduct)
