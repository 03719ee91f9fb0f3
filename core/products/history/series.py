"""A product's price and stock over time, read from its change rows, and drawn
as the small charts (``charts``) of its timeline, its staff page and the table.

Every recorded create and update carries the new value of each field it set,
so the change rows are the series: no other table keeps them.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from products.history import charts
from products.models import ProductChange
from products.models.change import read_field_changes

# Points read per product for its chart (the newest ones) and per row of the
# table for its sparkline.
CHART_POINTS = 200
SPARK_POINTS = 20
CHART_BOX = charts.Box(width=240, height=60, pad=4)
SPARK_BOX = charts.Box(width=80, height=20, pad=2)


def _number(text, kind):
    try:
        return kind(text)
    except (InvalidOperation, TypeError, ValueError):
        return None


READERS = {
    "price": lambda text: _number(text, Decimal),
    "quantity": lambda text: _number(text, int),
}


def values_in(rows, field):
    """``[(created_at, value)]`` of ``field`` in ``rows`` of (created_at,
    stored changes), oldest first; the oldest row's old value opens the series
    when that row was not the product's first."""
    read = READERS[field]
    series = []
    for created_at, stored in rows:
        for change, legacy in read_field_changes(stored):
            if change.field != field or legacy:
                continue
            if not series and change.old != "":
                old = read(change.old)
                if old is not None:
                    series.append((created_at, old))
            new = read(change.new)
            if new is not None:
                series.append((created_at, new))
    return series


@dataclass(frozen=True)
class Line:
    """One series, drawn: its points in the box and what a reader needs."""

    field: str
    label: str
    values: list  # [(created_at, value)], oldest first
    points: str  # SVG polyline points
    box: charts.Box

    @property
    def low(self):
        return min(value for _, value in self.values)

    @property
    def high(self):
        return max(value for _, value in self.values)

    @property
    def first(self):
        return self.values[0][1]

    @property
    def last(self):
        return self.values[-1][1]


def draw(field, label, values, box, now=None):
    if not values:
        return None
    now = now or timezone.now()
    series = [(moment.timestamp(), float(value)) for moment, value in values]
    points = charts.plot(series, box, until=now.timestamp())
    return Line(field, label, values, charts.points_attribute(points), box)


@dataclass(frozen=True)
class History:
    price: Line | None
    stock: Line | None
    # Both series together for the table beside the charts, newest first.
    rows: list

    def __bool__(self):
        return bool(self.price or self.stock)

    @property
    def lines(self):
        return [line for line in (self.price, self.stock) if line is not None]


def price_and_stock(product, limit=CHART_POINTS):
    """The price and stock lines of ``product`` from its newest ``limit``
    change rows (one query)."""
    rows = list(
        ProductChange.objects.filter(product=product)
        .exclude(action=ProductChange.Action.DELETED)
        .order_by("-pk")
        .values_list("created_at", "changes")[:limit]
    )
    rows.reverse()
    prices, stock = values_in(rows, "price"), values_in(rows, "quantity")
    table = {}
    for moment, value in prices:
        table.setdefault(moment, {})["price"] = value
    for moment, value in stock:
        table.setdefault(moment, {})["quantity"] = value
    return History(
        price=draw("price", "Price", prices, CHART_BOX),
        stock=draw("quantity", "Units in stock", stock, CHART_BOX),
        rows=[(moment, table[moment]) for moment in sorted(table, reverse=True)],
    )


def stock_sparklines(pks, per_product=SPARK_POINTS):
    """``{pk: Line}``: the recent stock of each product of a table page, from
    one query (its newest change rows, at most ``per_product`` on average)."""
    pks = list(pks)
    if not pks:
        return {}
    rows = (
        ProductChange.objects.filter(product_id__in=pks)
        .exclude(action=ProductChange.Action.DELETED)
        .order_by("-pk")
        .values_list("product_id", "created_at", "changes")[: len(pks) * per_product]
    )
    by_product = {}
    for pk, created_at, stored in rows:
        by_product.setdefault(pk, []).append((created_at, stored))
    now = timezone.now()
    lines = {}
    for pk, product_rows in by_product.items():
        product_rows.reverse()
        line = draw(
            "quantity", "Stock", values_in(product_rows, "quantity"), SPARK_BOX, now
        )
        if line is not None:
            lines[pk] = line
    return lines
