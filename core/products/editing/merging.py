"""The three-way merge of a stale edit: plain values in, a decision out.

Pure: no database, no Django. A form opened at an older version is merged with
the product as it is now, field by field::

    base   = the values the form was opened with (at its version)
    mine   = the values the form sends
    theirs = the values the product has now

A field only one side changed takes that side's value; a field both sides
changed to the same value is no conflict; a field both changed to different
values is a conflict, unless the user has chosen ``MINE`` or ``THEIRS`` for it.
A base value that is not known (``UNKNOWN``: the change rows that would tell it
are gone) makes every difference between mine and theirs a conflict, so that
nothing is overwritten unseen. Values compare as ``changes.same`` compares them
(their own type; ``None`` and ``""`` are both empty).
"""

from dataclasses import dataclass, field

from products.history.changes import same

MINE, THEIRS = "mine", "theirs"
CHOICES = (MINE, THEIRS)


class _Unknown:
    def __repr__(self):
        return "UNKNOWN"


UNKNOWN = _Unknown()


@dataclass(frozen=True)
class Conflict:
    field: str
    base: object  # UNKNOWN if not known
    mine: object
    theirs: object


@dataclass
class Merge:
    # Whose value each field of ``mine`` takes: MINE or THEIRS (conflicts left
    # out until chosen).
    sides: dict = field(default_factory=dict)
    # Fields whose value the other side changed and the merge keeps, in order.
    kept: list = field(default_factory=list)
    # Fields both changed differently, with no choice made, in order.
    conflicts: list = field(default_factory=list)

    def values(self, mine, theirs):
        """The value each merged field is written with."""
        return {
            name: mine[name] if side == MINE else theirs.get(name)
            for name, side in self.sides.items()
        }


def merge(base, mine, theirs, chosen=None):
    """Merges the fields of ``mine`` (the others are not the form's to change).

    ``base``, ``mine`` and ``theirs`` map field names to values; a field missing
    from ``base`` is ``UNKNOWN``. ``chosen`` maps fields to ``MINE`` or
    ``THEIRS``: the user's decision, applied whatever the merge would say.
    """
    chosen = chosen or {}
    result = Merge()
    for name, my_value in mine.items():
        their_value = theirs.get(name)
        base_value = base.get(name, UNKNOWN)
        if chosen.get(name) in CHOICES:
            result.sides[name] = chosen[name]
        elif same(my_value, their_value):
            result.sides[name] = MINE
        elif base_value is not UNKNOWN and same(base_value, my_value):
            result.sides[name] = THEIRS  # only they changed it
            result.kept.append(name)
        elif base_value is not UNKNOWN and same(base_value, their_value):
            result.sides[name] = MINE  # only I changed it
        else:
            result.conflicts.append(Conflict(name, base_value, my_value, their_value))
    return result
