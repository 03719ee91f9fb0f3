"""How stored diff values are shown. Pure: no database."""

import pytest

from dashboard.templatetags.feed import as_money, change_value


@pytest.mark.parametrize(
    "value, field, shown",
    [
        ("12.5", "price", "$12.50"),
        ("1234567.00", "price", "$1,234,567.00"),
        ("products/2026/blue-mug.png", "image", "blue-mug.png"),
        ("Kitchen", "category", "Kitchen"),
        ("", "supplier", "—"),
        (None, "price", "—"),
        ("7", "quantity", "7"),
    ],
)
def test_change_value(value, field, shown):
    assert change_value(value, field) == shown


def test_as_money_formats_totals():
    assert as_money(25) == "$25.00"
