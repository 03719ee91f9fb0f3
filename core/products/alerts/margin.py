"""What the shop earns on one unit: price minus cost, in money and as a share of
the price. Staff only (it reveals the cost).

Pure: no database, no Django.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from products.formats import CENT

PERCENT = Decimal("0.1")


@dataclass(frozen=True)
class Margin:
    amount: Decimal
    # Of the price; None when the price is zero (no share of nothing).
    percent: Decimal | None

    @property
    def negative(self):
        return self.amount < 0


def margin(price, cost_price):
    """The ``Margin`` of selling at ``price`` what costs ``cost_price``; None
    without a cost price."""
    if cost_price is None or price is None:
        return None
    amount = (Decimal(price) - Decimal(cost_price)).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
    percent = None
    if price:
        percent = (amount / Decimal(price) * 100).quantize(
            PERCENT, rounding=ROUND_HALF_UP
        )
    return Margin(amount=amount, percent=percent)
