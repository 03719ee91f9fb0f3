"""Recorded changes as shown: labels and display text are made when shown, from
raw values, like the admin's LogEntry."""

import pytest

from products.history.change_display import show_changes, shown_change, shown_value
from products.models import ProductChange
from products.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def recorded(*items, action=ProductChange.Action.UPDATED):
    return ProductChange.objects.create(
        action=action,
        product_slug="blue-mug",
        product_name="Blue Mug",
        source="shell",
        changes=list(items),
    )


def shown(change):
    return [(item.label, item.old, item.new) for item in shown_change(change).fields]


def test_labels_come_from_the_model_and_values_are_formatted_per_field():
    change = recorded(
        {"field": "sku", "old": "MUG-1", "new": "MUG-2"},
        {"field": "price", "old": "9.99", "new": "1234.50"},
        {"field": "quantity", "old": "999", "new": "12000"},
        {"field": "supplier", "old": "Acme", "new": ""},
        {"field": "image", "old": "", "new": "products/blue-mug_0Cd52K4.png"},
    )
    assert shown(change) == [
        ("SKU", "MUG-1", "MUG-2"),
        ("Price", "$9.99", "$1,234.50"),
        ("Quantity", "999", "12,000"),
        ("Supplier", "Acme", "—"),
        ("Image", "—", "blue-mug.png"),
    ]


def test_a_category_shows_by_its_current_name():
    kitchen = CategoryFactory(name="Kitchen")
    garden = CategoryFactory(name="Garden")
    change = recorded(
        {"field": "category", "old": str(kitchen.pk), "new": str(garden.pk)}
    )
    garden.name = "Garden & Patio"
    garden.save()
    assert shown(change) == [("Category", "Kitchen", "Garden & Patio")]


def test_a_deleted_category_shows_its_number():
    gone = CategoryFactory(name="Seasonal")
    pk = gone.pk
    change = recorded({"field": "category", "old": str(pk), "new": ""})
    gone.delete()
    assert shown(change) == [("Category", f"#{pk} (deleted)", "—")]


def test_a_removed_field_shows_under_its_name_with_its_value():
    change = recorded({"field": "colour", "old": "red", "new": "blue"})
    assert shown(change) == [("colour", "red", "blue")]


def test_rows_of_any_shape_still_render():
    change = recorded(
        {"field": "quantity", "old": 3, "new": None},  # not strings
        {"field": "name"},  # values missing
        "not a change",  # not even an item
    )
    assert shown(change) == [("Quantity", "3", "—"), ("Name", "—", "—")]
    assert shown_change(recorded()).fields == ()
    odd = ProductChange.objects.get(pk=recorded().pk)
    odd.changes = {"unexpected": "shape"}
    assert shown_change(odd).fields == ()


def test_an_old_row_with_display_text_shows_it_as_recorded():
    """Rows recorded before values were raw carry a label and display text; a
    category name the migration could not match stays as it was recorded."""
    CategoryFactory(name="Kitchen")
    change = recorded(
        {"field": "category", "label": "Category", "old": "Old Name", "new": "7"},
        {"field": "price", "label": "Price", "old": "9.99", "new": "12.50"},
    )
    assert shown(change) == [
        ("Category", "Old Name", "7"),  # "7" was a category called "7"
        ("Price", "$9.99", "$12.50"),
    ]


def test_a_page_of_rows_looks_categories_up_in_one_query(
    django_assert_num_queries,
):
    categories = [CategoryFactory() for _ in range(6)]
    for category in categories:
        ProductFactory(category=category)
    changes = list(ProductChange.objects.order_by("pk"))
    with django_assert_num_queries(1):
        show_changes(changes)
    with django_assert_num_queries(0):
        names = [shown_change(change).fields for change in changes]
    assert [
        item.new for fields in names for item in fields if item.field == "category"
    ] == [category.name for category in categories]


def test_rows_without_related_values_only_ask_whether_they_were_undone(
    django_assert_num_queries,
):
    updates = [recorded({"field": "price", "old": "1.00", "new": "2.00"})] * 3
    with django_assert_num_queries(1):  # reverted? one query for all of them
        show_changes(updates)
    creates = [recorded({"field": "price", "old": "", "new": "2.00"}, action="created")]
    with django_assert_num_queries(0):  # a creation cannot be undone
        show_changes(creates)


def test_create_and_delete_rows_split_essentials_from_details():
    product = ProductFactory(
        name="Blue Mug", sku="MUG-1", price="9.99", quantity=3, supplier="Acme"
    )
    change = ProductChange.objects.get(product=product)
    row = shown_change(change)
    assert [item.field for item in row.essentials] == [
        "name",
        "sku",
        "price",
        "quantity",
    ]
    assert [item.field for item in row.details] == ["slug", "supplier", "category"]


def test_one_value_can_be_shown_on_its_own():
    kitchen = CategoryFactory(name="Kitchen")
    assert shown_value("category", str(kitchen.pk)) == "Kitchen"
    assert shown_value("price", "5") == "$5.00"
    assert shown_value("supplier", "") == "—"


def test_stock_fields_show_as_money_a_date_and_a_count():
    change = recorded(
        {"field": "cost_price", "old": "", "new": "1234.5"},
        {"field": "expiry_date", "old": "2027-06-30", "new": ""},
        {"field": "low_stock_threshold", "old": "1200", "new": "3"},
    )
    assert shown(change) == [
        ("Cost price", "—", "$1,234.50"),
        ("Expiry date", "June 30, 2027", "—"),
        ("Low stock threshold", "1,200", "3"),
    ]


def test_a_date_that_does_not_parse_shows_as_stored():
    assert shown_value("expiry_date", "2027-02-30") == "2027-02-30"
    assert shown_value("expiry_date", "someday") == "someday"
