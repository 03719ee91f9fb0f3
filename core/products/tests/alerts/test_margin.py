"""The margin staff see beside a cost price. Pure: no Django."""

from decimal import Decimal

from products.alerts.margin import margin


def test_margin_in_money_and_as_a_share_of_the_price():
    shown = margin(Decimal("12.50"), Decimal("10.00"))
    assert (shown.amount, shown.percent, shown.negative) == (
        Decimal("2.50"),
        Decimal("20.0"),
        False,
    )


def test_selling_below_cost_is_a_negative_margin():
    shown = margin(Decimal("8.00"), Decimal("10.00"))
    assert (shown.amount, shown.percent, shown.negative) == (
        Decimal("-2.00"),
        Decimal("-25.0"),
        True,
    )


def test_percent_rounds_to_one_decimal():
    assert margin(Decimal("3.00"), Decimal("2.00")).percent == Decimal("33.3")


def test_a_free_product_has_no_percentage():
    shown = margin(Decimal("0"), Decimal("1.00"))
    assert (shown.amount, shown.percent) == (Decimal("-1.00"), None)


def test_no_cost_price_no_margin():
    assert margin(Decimal("9.99"), None) is None
