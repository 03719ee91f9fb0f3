"""Field-level diff of two snapshots of a record, as plain values.

Pure: no database, no Django models. A snapshot maps field names to Python values
(``Decimal``, ``int``, ``str``, ``None`` ...). Values compare as their own type, so
``Decimal("5.0")`` and ``Decimal("5.00")`` are the same price; ``None`` and ``""``
are both "empty". The result carries strings only, ready to be stored as JSON.
"""

from dataclasses import asdict, dataclass
from decimal import Decimal


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: str
    new: str

    def as_dict(self):
        return asdict(self)


def as_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def is_empty(value):
    return value is None or value == ""


def same(old, new):
    if is_empty(old) and is_empty(new):
        return True
    return old == new


def diff(old, new, *, labels=None, exclude=()):
    """Changes from ``old`` to ``new``, in the snapshots' field order.

    An empty ``old`` (a create) lists every non-empty new value; an empty ``new``
    (a delete) lists every non-empty old value.
    """
    labels = labels or {}
    fields = list(dict.fromkeys([*new, *old]))
    return [
        FieldChange(
            field=field,
            label=labels.get(field, field),
            old=as_text(old.get(field)),
            new=as_text(new.get(field)),
        )
        for field in fields
        if field not in exclude and not same(old.get(field), new.get(field))
    ]
