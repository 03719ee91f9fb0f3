"""The pure diff: plain values in, string field changes out. No database."""

from decimal import Decimal

from products.changes import FieldChange, diff

LABELS = {"price": "Price", "quantity": "Quantity", "category": "Category"}


def test_reports_a_changed_price_with_label_and_both_values():
    changes = diff(
        {"price": Decimal("9.99")}, {"price": Decimal("12.50")}, labels=LABELS
    )
    assert changes == [FieldChange("price", "Price", "9.99", "12.50")]


def test_decimals_compare_by_value_not_by_scale():
    assert diff({"price": Decimal("5.0")}, {"price": Decimal("5.00")}) == []


def test_identical_snapshots_give_no_changes():
    snapshot = {"name": "Mug", "quantity": 3, "category": "Kitchen"}
    assert diff(snapshot, dict(snapshot)) == []


def test_none_and_blank_are_both_empty():
    assert diff({"supplier": None}, {"supplier": ""}) == []


def test_clearing_a_value_reports_an_empty_new_value():
    assert diff({"supplier": "Acme"}, {"supplier": None}) == [
        FieldChange("supplier", "supplier", "Acme", "")
    ]


def test_related_rows_and_files_arrive_as_names_and_stay_names():
    changes = diff(
        {"category": "Kitchen", "image": "products/a.png"},
        {"category": "Garden", "image": "products/b.png"},
        labels=LABELS,
    )
    assert [(c.field, c.old, c.new) for c in changes] == [
        ("category", "Kitchen", "Garden"),
        ("image", "products/a.png", "products/b.png"),
    ]


def test_every_field_is_covered_without_being_listed():
    changes = diff({"colour": "red", "size": 1}, {"colour": "blue", "size": 2})
    assert [c.field for c in changes] == ["colour", "size"]
    assert changes[0].label == "colour"  # no label given: the field name


def test_an_excluded_field_never_appears():
    changes = diff(
        {"quantity": 1, "updated_at": "monday"},
        {"quantity": 2, "updated_at": "tuesday"},
        exclude={"updated_at"},
    )
    assert [c.field for c in changes] == ["quantity"]


def test_a_create_lists_the_initial_non_empty_values():
    changes = diff({}, {"name": "Mug", "supplier": "", "quantity": 0})
    assert [(c.field, c.old, c.new) for c in changes] == [
        ("name", "", "Mug"),
        ("quantity", "", "0"),
    ]


def test_a_delete_lists_the_last_values():
    changes = diff({"name": "Mug", "price": Decimal("2.50")}, {})
    assert [(c.field, c.old, c.new) for c in changes] == [
        ("name", "Mug", ""),
        ("price", "2.50", ""),
    ]


def test_values_become_strings_ready_for_json():
    changes = diff(
        {"active": False, "quantity": 1, "price": Decimal("1E+1")},
        {"active": True, "quantity": 2, "price": Decimal("11.00")},
    )
    assert [c.as_dict() for c in changes] == [
        {"field": "active", "label": "active", "old": "no", "new": "yes"},
        {"field": "quantity", "label": "quantity", "old": "1", "new": "2"},
        {"field": "price", "label": "price", "old": "10", "new": "11.00"},
    ]
