"""What a stale edit is merged from, and how the outcome reads.

A form opened at version ``v`` of a product was loaded with the values the
product had then. They are not kept anywhere, but the change log knows them: the
product as it is now, with every update recorded after ``v`` undone, newest
first (each row stores the raw old value, ``Field.value_to_string``). That is
the merge's base (``merging.merge``); the newest of those rows that set a field
says who set it and when.

A field whose rows were recorded as display text by an older version, or whose
stored value can no longer be read, has no known base: the merge then treats
any difference on it as a conflict rather than guess.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.humanize.templatetags.humanize import naturaltime
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from products.editing.merging import UNKNOWN
from products.history.change_display import label, model_field, shown_value
from products.history.changes import as_text
from products.history.snapshots import raw_value, snapshot
from products.models import ProductChange
from products.models.change import read_field_changes


@dataclass
class Since:
    """A product's values at an earlier version and who changed them since."""

    version: int
    base: dict  # field -> raw value then (missing: not known)
    setters: dict = field(default_factory=dict)  # field -> newest change since
    changes: list = field(default_factory=list)  # the rows since, oldest first


def stored_raw(target, raw):
    """The raw (snapshot) value a stored string stands for: a related row's
    primary key, a file's name, else the field's Python value."""
    if raw == "":
        return None
    if target.is_relation:
        return target.target_field.to_python(raw)
    if isinstance(target, models.FileField):
        return raw
    return target.to_python(raw)


def since(product, version):
    """``product``'s values at ``version``, from its current values and the
    update rows recorded after it."""
    rows = list(
        ProductChange.objects.filter(
            product=product,
            product_version__gt=version,
            action=ProductChange.Action.UPDATED,
        )
        .select_related("product")
        .order_by("-pk")
    )
    result = Since(version=version, base=snapshot(product), changes=rows[::-1])
    for row in rows:  # newest first: the oldest row's old value is the base
        for item, is_display_text in read_field_changes(row.changes):
            result.setters.setdefault(item.field, row)
            target = model_field(item.field)
            try:
                if is_display_text or target is None:
                    raise ValidationError("not a raw value")
                result.base[item.field] = stored_raw(target, item.old)
            except ValidationError:
                result.base.pop(item.field, None)
    return result


def mine_of(product, names):
    """The raw values of ``names`` on ``product`` (the user's side)."""
    return {name: raw_value(product, model_field(name)) for name in names}


def shown(name, value):
    if value is UNKNOWN:
        return "not known"
    return shown_value(name, as_text(value))


def when(change):
    """``just now`` within a minute (naturaltime counts seconds), else ``2
    minutes ago``, ``3 hours ago`` ..."""
    if timezone.now() - change.created_at < timedelta(minutes=1):
        return "just now"
    return naturaltime(change.created_at)


@dataclass(frozen=True)
class FieldOutcome:
    """One merged field as a page shows it: its three values and who set theirs."""

    field: str
    label: str
    base: str
    mine: str
    theirs: str
    by: str  # who set their value ("" if not recorded)
    when: str  # "2 minutes ago"

    @property
    def kept_sentence(self):
        setter = f" set by {self.by} {self.when}" if self.by else ""
        return f"{self.label} {self.theirs}{setter} was kept."


def outcome(name, since_, base, mine, theirs):
    setter = since_.setters.get(name)
    return FieldOutcome(
        field=name,
        label=label(name),
        base=shown(name, base),
        mine=shown(name, mine),
        theirs=shown(name, theirs),
        by=setter.who if setter else "",
        when=when(setter) if setter else "",
    )


def kept_message(kept):
    """The colleague's values a merge kept, as sentences for a message."""
    return " ".join(item.kept_sentence for item in kept)
