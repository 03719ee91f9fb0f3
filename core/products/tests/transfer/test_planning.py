"""What an import would do, row by row, and every error it reports."""

from datetime import date
from decimal import Decimal

import pytest

from products.models import Product
from products.tests.factories import CategoryFactory, ProductFactory
from products.transfer.planning import CREATE, ERROR, UNCHANGED, UPDATE, plan
from products.transfer.reading import read_csv

pytestmark = pytest.mark.django_db


def planned(text):
    return plan(read_csv(text.encode()))


def test_known_skus_update_the_given_columns_and_new_ones_create():
    ProductFactory(sku="MUG-1", name="Blue Mug", price=Decimal("9.99"), quantity=4)
    ProductFactory(sku="MUG-2", price=Decimal("5.00"))
    result = planned("sku,price\nmug-1,12.50\nMUG-2,5\nMUG-3,1\n")
    assert result.errors == [(4, "name", "A new product needs a name.")]

    result = planned("sku,name,price\nmug-1,Blue Mug,12.50\nMUG-2,,5\nMUG-3,Tea,1\n")
    assert [(row.sku, row.action) for row in result.rows] == [
        ("MUG-1", UPDATE),
        ("MUG-2", ERROR),
        ("MUG-3", CREATE),
    ]
    assert result.errors == [(3, "name", "This field is required.")]
    assert [c.as_dict() for c in result.rows[0].changes] == [
        {"field": "price", "old": "9.99", "new": "12.50"}
    ]
    assert Product.objects.get(sku="MUG-1").price == Decimal("9.99")  # nothing written


def test_counts_and_unchanged_rows():
    ProductFactory(sku="MUG-1", price=Decimal("9.99"))
    result = planned("sku,price\nMUG-1,9.99\nMUG-2,1\n")
    assert result.rows[0].action == UNCHANGED
    assert result.counts == {"created": 0, "updated": 0, "unchanged": 1, "errors": 1}


def test_every_column_is_read_as_the_forms_read_it():
    kitchen = CategoryFactory(name="Kitchen & Dining", slug="kitchen-dining")
    result = planned(
        "sku,name,price,quantity,category,supplier,description,cost_price,expiry_date\n"
        "tea-1,Green Tea,4.5,12,kitchen & dining,Leaf Co,Loose leaf,2.10,2027-06-30\n"
        "TEA-2,Black Tea,4,1,KITCHEN-DINING,,,,\n"
    )
    assert not result.errors
    values = result.rows[0].values
    assert values == {
        "sku": "TEA-1",
        "name": "Green Tea",
        "price": Decimal("4.5"),
        "quantity": 12,
        "category": kitchen,
        "supplier": "Leaf Co",
        "description": "Loose leaf",
        "cost_price": Decimal("2.10"),
        "expiry_date": date(2027, 6, 30),
    }
    assert result.rows[1].values["category"] == kitchen
    assert result.rows[1].values["cost_price"] is None


@pytest.mark.parametrize(
    "row, column, message",
    [
        pytest.param(
            "MUG-1,Mug,abc,1,",
            "price",
            '"abc" is not a price: write a number such as 1234.50',
            id="bad-price",
        ),
        pytest.param(
            "MUG-1,Mug,1,lots,",
            "quantity",
            '"lots" is not a whole number: write e.g. 12',
            id="bad-quantity",
        ),
        pytest.param(
            "MUG-1,Mug,-1,1,",
            "price",
            '"-1": Ensure this value is greater than or equal to 0.',
            id="negative-price",
        ),
        pytest.param(
            "MUG-1,Mug,1,1,Garden",
            "category",
            "Unknown category “Garden”. Only staff allowed to add categories (the "
            "“Can add category” permission, given in the admin) can import a new "
            "one: ask one of them, or name an existing category.",
            id="unknown-category",
        ),
        pytest.param(",Mug,1,1,", "sku", "This field is required.", id="missing-sku"),
        pytest.param(
            "MUG-1,!!!,1,1,",
            "name",
            '"!!!": The name needs at least one letter or digit to make a web '
            "address.",
            id="model-clean",
        ),
        pytest.param(
            "MUG-1,Mug,1,1,,x",
            "",
            "This row has 6 cells; the header names 5 columns.",
            id="cell-count",
        ),
    ],
)
def test_row_errors_name_the_line_and_column(row, column, message):
    result = planned(f"sku,name,price,quantity,category\n{row}\n")
    assert (2, column, message) in result.errors
    assert result.rows[0].action == ERROR


def test_a_sku_named_twice_is_an_error_on_the_later_line():
    result = planned("sku,name,price\nMUG-1,A,1\nTEA-1,B,1\nmug-1,C,2\n")
    assert result.errors == [
        (4, "sku", "SKU MUG-1 is also on line 2; each product may be named once.")
    ]


def test_model_validation_refuses_what_the_forms_refuse():
    result = planned(
        "sku,name,price,description,expiry_date\n"
        f"MUG-1,Mug,1,{'x' * 5001},\n"
        "MUG-2,Mug,1,,31/12/2027\n"
    )
    assert result.errors == [
        (
            2,
            "description",
            f'"{"x" * 39}…": Ensure this value has at most 5000 characters '
            "(it has 5001).",
        ),
        (
            3,
            "expiry_date",
            '"31/12/2027" is not a date as YYYY-MM-DD: write it as YYYY-MM-DD',
        ),
    ]


def test_versions_name_every_product_the_file_names():
    product = ProductFactory(sku="MUG-1")
    result = planned("sku,name,price\nMUG-1,A,1\nTEA-1,B,1\n")
    assert result.versions() == {"MUG-1": product.version, "TEA-1": None}
