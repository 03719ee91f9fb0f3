"""Bulk actions: the price arithmetic, each action's values, the selection."""

from decimal import Decimal

import pytest
from django.http import QueryDict

from products.tests.factories import CategoryFactory, ProductFactory
from products.transfer import bulk


@pytest.mark.unit
@pytest.mark.parametrize(
    "price, change, expected",
    [
        ("10.00", {"percent": Decimal("10")}, "11.00"),
        ("9.99", {"percent": Decimal("-10")}, "8.99"),  # 8.991
        ("0.05", {"percent": Decimal("10")}, "0.06"),  # 0.055, half up
        ("0.15", {"percent": Decimal("-30")}, "0.11"),  # 0.105, half up
        ("1.00", {"percent": Decimal("-100")}, "0.00"),
        ("5.00", {"amount": Decimal("-2.50")}, "2.50"),
        ("2.00", {"amount": Decimal("-5")}, "0.00"),  # never below zero
        ("2.00", {"amount": Decimal("0.005")}, "2.01"),
    ],
)
def test_changed_price_rounds_half_up_to_cents_and_stops_at_zero(
    price, change, expected
):
    assert bulk.changed_price(Decimal(price), **change) == Decimal(expected)


def action(**data):
    form = bulk.BulkActionForm({f"bulk-{key}": value for key, value in data.items()})
    return form


@pytest.mark.django_db
def test_each_action_gives_its_values_and_label():
    kitchen = CategoryFactory(name="Kitchen")
    product = ProductFactory(price=Decimal("10.00"))
    cases = [
        (
            {"action": "set_category", "category": kitchen.pk},
            {"category": kitchen},
            "category → Kitchen",
        ),
        (
            {"action": "set_category", "category": ""},
            {"category": None},
            "category → none",
        ),
        (
            {"action": "price_percent", "percent": "-10"},
            {"price": Decimal("9.00")},
            "price −10%",
        ),
        (
            {"action": "price_amount", "amount": "2.5"},
            {"price": Decimal("12.50")},
            "price +$2.50",
        ),
        ({"action": "set_quantity", "quantity": "0"}, {"quantity": 0}, "quantity → 0"),
    ]
    for data, values, label in cases:
        form = action(**data)
        assert form.is_valid(), form.errors
        assert form.values_for(product) == values
        assert form.label == label


@pytest.mark.unit
def test_an_action_needs_its_value():
    form = action(action="price_percent", amount="3")
    assert not form.is_valid()
    assert form.errors == {"percent": ["Needed for this action."]}
    form = action(action="set_quantity", quantity="-1")
    assert "quantity" in form.errors


@pytest.mark.django_db
def test_selection_by_tick_page_or_filter():
    mugs = [ProductFactory(name=f"Mug {n}") for n in range(3)]
    ProductFactory(name="Tea")

    def chosen(query):
        return {p.name for p in bulk.selected_products(QueryDict(query))}

    assert chosen(f"scope=selected&product={mugs[0].pk}&page_product={mugs[1].pk}") == {
        "Mug 0"
    }
    assert chosen(f"scope=page&product={mugs[0].pk}&page_product={mugs[1].pk}") == {
        "Mug 1"
    }
    assert chosen("scope=filtered&q=mug") == {"Mug 0", "Mug 1", "Mug 2"}
    assert chosen("scope=selected&product=x") == set()


@pytest.mark.unit
def test_versions_travel_in_one_field():
    assert bulk.read_versions("12:3,15:1,bad,7:") == {12: 3, 15: 1}
