"""A product's price and stock over time, read from its change rows, and drawn
as the small charts (``charts``) of its timeline, its staff page and the table.

Every recorded create and update carries the new value of each field it set,
so the change rows are the series: no other table keeps them.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Optional, TypeVar

from django.utils import timezone

from products.history import charts
from products.models import Product, ProductChange
from products.models.change import read_field_changes

# Points read per product for its chart (the newest ones) and per row of the
# table for its sparkline.
CHART_POINTS = 200
SPARK_POINTS = 20
CHART_BOX = charts.Box(width=240, height=60, pad=4)
SPARK_BOX = charts.Box(width=80, height=20, pad=2)


# A price or a stock level.
Number = Decimal | int
# ``(created_at, value)``: one point of a series.
Point = tuple[datetime, Number]
Read = TypeVar("Read", Decimal, int)


def _number(text: str, kind: Callable[[str], Read]) -> Optional[Read]:
    try:
        return kind(text)
    except (InvalidOperation, TypeError, ValueError):
        return None


READERS: dict[str, Callable[[str], Optional[Number]]] = {
    "price": lambda text: _number(text, Decimal),
    "quantity": lambda text: _number(text, int),
}


def values_in(rows: Iterable[tuple[datetime, object]], field: str) -> list[Point]:
    """``[(created_at, value)]`` of ``field`` in ``rows`` of (created_at,
    stored changes), oldest first; the oldest row's old value opens the series
    when that row was not the product's first."""
    read = READERS[field]
    series: list[Point] = []
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
    values: Sequence[Point]  # oldest first
    points: str  # SVG polyline points
    box: charts.Box

    @property
    def low(self) -> Number:
        return min(value for _, value in self.values)

    @property
    def high(self) -> Number:
        return max(value for _, value in self.values)

    @property
    def first(self) -> Number:
        return self.values[0][1]

    @property
    def last(self) -> Number:
        return self.values[-1][1]


def draw(
    field: str,
    label: str,
    values: Sequence[Point],
    box: charts.Box,
    now: Optional[datetime] = None,
) -> Optional[Line]:
    if not values:
        return None
    until = (now or timezone.now()).timestamp()
    series = [(moment.timestamp(), float(value)) for moment, value in values]
    points = charts.plot(series, box, until=until)
    return Line(field, label, values, charts.points_attribute(points), box)


@dataclass(frozen=True)
class History:
    price: Line | None
    stock: Line | None
    # Both series together for the table beside the charts, newest first.
    rows: list[tuple[datetime, dict[str, Number]]]

    def __bool__(self) -> bool:
        return bool(self.price or self.stock)

    @property
    def lines(self) -> list[Line]:
        return [line for line in (self.price, self.stock) if line is not None]


def price_and_stock(product: Product, limit: int = CHART_POINTS) -> History:
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
    table: dict[datetime, dict[str, Number]] = {}
    for moment, value in prices:
        table.setdefault(moment, {})["price"] = value
    for moment, value in stock:
        table.setdefault(moment, {})["quantity"] = value
    return History(
        price=draw("price", "Price", prices, CHART_BOX),
        stock=draw("quantity", "Units in stock", stock, CHART_BOX),
        rows=[(moment, table[moment]) for moment in sorted(table, reverse=True)],
    )


def stock_sparklines(
    pks: Iterable[int], per_product: int = SPARK_POINTS
) -> dict[int, Line]:
    """``{pk: Line}``: the recent stock of each product of a table page, from
    one query (its newest change rows, at most ``per_product`` on average)."""
    wanted = list(pks)
    if not wanted:
        return {}
    rows = (
        ProductChange.objects.filter(product_id__in=wanted)
        .exclude(action=ProductChange.Action.DELETED)
        .order_by("-pk")
        .values_list("product_id", "created_at", "changes")[: len(wanted) * per_product]
    )
    by_product: dict[int, list[tuple[datetime, object]]] = {}
    for pk, created_at, stored in rows:
        by_product.setdefault(pk, []).append((created_at, stored))
    now = timezone.now()
    lines: dict[int, Line] = {}
    for pk, product_rows in by_product.items():
        product_rows.reverse()
        line = draw(
            "quantity", "Stock", values_in(product_rows, "quantity"), SPARK_BOX, now
        )
        if line is not None:
            lines[pk] = line
    return lines
