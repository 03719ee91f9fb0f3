"""The feed's counters as trend lines over the last 24 hours: changes made per
hour, and units in stock at the end of each hour, worked back from now through
the quantity changes recorded since (the change rows are the only history).

Drawn once with the page; the counters themselves stay live.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from products.models import ProductChange
from products.selectors import charts, read_field_changes

HOURS = 24
# Change rows read for the units line; past it the line starts later.
MAX_ROWS = 50_000
BOX = charts.Box(width=120, height=24, pad=2)


@dataclass(frozen=True)
class Trend:
    label: str
    values: list  # one per hour, oldest first
    points: str
    box: charts.Box

    @property
    def low(self):
        return min(self.values)

    @property
    def high(self):
        return max(self.values)

    @property
    def last(self):
        return self.values[-1]

    @property
    def total(self):
        return sum(self.values)


def draw(label, values):
    series = list(enumerate(values))
    points = charts.plot(series, BOX, stepped=False, include_zero=True)
    return Trend(label, values, charts.points_attribute(points), BOX)


def quantity_delta(stored):
    for change, legacy in read_field_changes(stored):
        if change.field == "quantity" and not legacy:
            try:
                return int(change.new or 0) - int(change.old or 0)
            except ValueError:
                return 0
    return 0


def feed_trends(units_now, now=None):
    """``{"changes": Trend, "units": Trend}`` for the last ``HOURS`` hours, from
    one query; ``units_now`` is the counters' units in stock."""
    now = now or timezone.now()
    rows = (
        ProductChange.objects.filter(created_at__gt=now - timedelta(hours=HOURS))
        .order_by("-pk")
        .values_list("created_at", "changes")[:MAX_ROWS]
    )
    ages, deltas = [], {}
    for created_at, stored in rows:
        age = int((now - created_at).total_seconds() // 3600)
        ages.append(age)
        deltas[age] = deltas.get(age, 0) + quantity_delta(stored)
    return {
        "changes": draw("Changes per hour", charts.hourly_counts(ages, HOURS)),
        "units": draw("Units in stock", charts.levels_back(units_now, deltas, HOURS)),
    }
