"""Stock alerts from a product's values and the shop's rules. Pure: no Django."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from products.alerts.kinds import (
    BELOW_COST,
    EXPIRED,
    EXPIRING,
    LOW_STOCK,
    OUT_OF_STOCK,
    AlertRules,
    StockValues,
    alerts_for,
    kinds_of,
    raised_kinds,
    resolved_kinds,
    stock_status,
)

TODAY = date(2026, 3, 10)
RULES = AlertRules(low_stock_threshold=5, expiry_alert_days=14)


def values(**overrides):
    return StockValues(**{"quantity": 10, "price": Decimal("9.99"), **overrides})


def kinds(product, rules=RULES, today=TODAY):
    return [alert.kind for alert in alerts_for(product, rules, today)]


def test_a_well_stocked_product_has_no_alerts():
    assert kinds(values()) == []


def test_no_units_is_out_of_stock_and_not_also_low():
    assert kinds(values(quantity=0)) == [OUT_OF_STOCK]


@pytest.mark.parametrize(
    "quantity, expected", [(5, [LOW_STOCK]), (6, []), (1, [LOW_STOCK])]
)
def test_low_stock_at_or_below_the_shop_threshold(quantity, expected):
    assert kinds(values(quantity=quantity)) == expected


@pytest.mark.parametrize(
    "own, quantity, expected",
    [
        (20, 20, [LOW_STOCK]),  # above the shop's 5, at the product's own
        (20, 21, []),
        (2, 3, []),  # below the shop's 5, above the product's own
        (2, 2, [LOW_STOCK]),
        (0, 1, []),  # a threshold of 0: only "out of stock" counts
        (0, 0, [OUT_OF_STOCK]),
    ],
)
def test_a_products_own_threshold_overrides_the_shops(own, quantity, expected):
    assert kinds(values(quantity=quantity, low_stock_threshold=own)) == expected


def test_the_shop_threshold_comes_from_the_rules():
    rules = AlertRules(low_stock_threshold=50, expiry_alert_days=14)
    assert kinds(values(quantity=40), rules) == [LOW_STOCK]
    assert stock_status(values(quantity=40), rules) == "low"


@pytest.mark.parametrize(
    "days_left, expected",
    [
        (15, []),
        (14, [EXPIRING]),  # the last day of the window
        (1, [EXPIRING]),
        (0, [EXPIRING]),  # expires today: still sellable today
        (-1, [EXPIRED]),
        (-400, [EXPIRED]),
    ],
)
def test_expiry_window_boundaries(days_left, expected):
    product = values(expiry_date=TODAY + timedelta(days=days_left))
    assert kinds(product) == expected


def test_expiry_alert_carries_the_days_left():
    (alert,) = alerts_for(values(expiry_date=TODAY - timedelta(days=3)), RULES, TODAY)
    assert (alert.kind, alert.days, alert.label) == (EXPIRED, -3, "expired")


def test_the_expiry_window_comes_from_the_rules():
    rules = AlertRules(low_stock_threshold=5, expiry_alert_days=30)
    assert kinds(values(expiry_date=TODAY + timedelta(days=30)), rules) == [EXPIRING]


@pytest.mark.parametrize(
    "price, cost, expected",
    [
        ("9.99", "10.00", [BELOW_COST]),
        ("10.00", "10.00", []),  # selling at cost is no loss
        ("10.01", "10.00", []),
        ("0.00", "0.01", [BELOW_COST]),
        ("9.99", None, []),  # no cost price, nothing to compare
    ],
)
def test_price_below_cost(price, cost, expected):
    product = values(price=Decimal(price), cost_price=cost and Decimal(cost))
    assert kinds(product) == expected


def test_several_alerts_most_urgent_first():
    product = values(
        quantity=0,
        cost_price=Decimal("20"),
        expiry_date=TODAY + timedelta(days=3),
    )
    assert kinds(product) == [OUT_OF_STOCK, BELOW_COST, EXPIRING]


def resolved(before, after):
    """What a change from the values ``before`` to ``after`` resolved."""
    return resolved_kinds(kinds_of(before, RULES, TODAY), kinds_of(after, RULES, TODAY))


def test_restocking_resolves_low_stock():
    assert resolved(values(quantity=3), values(quantity=30)) == [LOW_STOCK]


def test_raising_the_own_threshold_does_not_resolve_but_lowering_it_does():
    assert resolved(values(quantity=8, low_stock_threshold=10), values(quantity=8)) == [
        LOW_STOCK
    ]
    assert (
        resolved(values(quantity=8), values(quantity=8, low_stock_threshold=10)) == []
    )


def test_restocking_an_empty_shelf_a_little_resolves_out_of_stock_only():
    assert resolved(values(quantity=0), values(quantity=2)) == [OUT_OF_STOCK]


def test_selling_the_last_units_resolves_nothing():
    assert resolved(values(quantity=2), values(quantity=0)) == []


def test_a_later_expiry_date_resolves_expired():
    before = values(expiry_date=TODAY - timedelta(days=1))
    assert resolved(before, values(expiry_date=TODAY + timedelta(days=90))) == [EXPIRED]
    # Still within the window: no longer expired, but expiring.
    assert resolved(before, values(expiry_date=TODAY + timedelta(days=2))) == [EXPIRED]


def test_clearing_the_expiry_date_resolves_expiring():
    before = values(expiry_date=TODAY + timedelta(days=2))
    assert resolved(before, values()) == [EXPIRING]


def test_an_earlier_expiry_date_resolves_nothing():
    before = values(expiry_date=TODAY + timedelta(days=2))
    assert resolved(before, values(expiry_date=TODAY - timedelta(days=2))) == []


def test_raising_the_price_or_lowering_the_cost_resolves_price_below_cost():
    before = values(price=Decimal("5"), cost_price=Decimal("6"))
    assert resolved(before, values(price=Decimal("7"), cost_price=Decimal("6"))) == [
        BELOW_COST
    ]
    assert resolved(before, values(price=Decimal("5"), cost_price=Decimal("4"))) == [
        BELOW_COST
    ]
    assert resolved(before, values(price=Decimal("5"))) == [BELOW_COST]


def test_a_change_that_fixes_two_things_resolves_both():
    before = values(quantity=0, price=Decimal("5"), cost_price=Decimal("6"))
    after = values(quantity=50, price=Decimal("8"), cost_price=Decimal("6"))
    assert resolved(before, after) == [OUT_OF_STOCK, BELOW_COST]


def test_a_created_product_resolves_nothing_and_a_deleted_one_closes_all():
    assert resolved(None, values(quantity=0)) == []
    # Closed with the product; change rows say "resolved" for updates only.
    assert resolved(values(quantity=0), None) == [OUT_OF_STOCK]


def test_raised_kinds_are_those_a_change_opened():
    assert raised_kinds([LOW_STOCK], [OUT_OF_STOCK, BELOW_COST]) == [
        OUT_OF_STOCK,
        BELOW_COST,
    ]
    assert raised_kinds([LOW_STOCK], [LOW_STOCK]) == []
