"""Field-level diff of two snapshots of a record, as raw values.

Pure: no database, no Django models. A snapshot maps field names to Python values
(``Decimal``, ``int``, ``str``, ``date``, ``None`` ...). Values compare as their own
type, so ``Decimal("5.0")`` and ``Decimal("5.00")`` are the same price; ``None`` and
``""`` are both "empty". The result carries each value as the string Django's
``Field.value_to_string`` gives for it (``""`` for empty): data to store as JSON,
not text to show. Labels and formatting are made when a change is shown.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str

    def as_dict(self) -> dict[str, str]:
        # Spelled out: ``dataclasses.asdict`` deep-copies every value, which
        # was a sixth of a 100,000-row import's time.
        return {"field": self.field, "old": self.old, "new": self.new}


# A record as field names and raw values: each field's own type (``Decimal``,
# ``int``, ``str``, ``date``, ``None`` ...), which only the field's name tells.
Snapshot = Mapping[str, Any]


def as_text(value: object) -> str:
    """``value`` as ``Field.value_to_string`` writes it, but ``""`` for ``None``."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")  # never "1E+1"
    if isinstance(value, (date, time)):  # datetime is a date
        return value.isoformat()
    return str(value)


def is_empty(value: object) -> bool:
    return value is None or value == ""


def same(old: object, new: object) -> bool:
    if is_empty(old) and is_empty(new):
        return True
    return old == new


def diff(
    old: Snapshot, new: Snapshot, *, exclude: Collection[str] = ()
) -> list[FieldChange]:
    """Changes from ``old`` to ``new``, in the snapshots' field order.

    An empty ``old`` (a create) lists every non-empty new value; an empty ``new``
    (a delete) lists every non-empty old value.
    """
    fields = list(dict.fromkeys([*new, *old]))
    return [
        FieldChange(
            field=field, old=as_text(old.get(field)), new=as_text(new.get(field))
        )
        for field in fields
        if field not in exclude and not same(old.get(field), new.get(field))
    ]
