"""The pure diff: typed values in, raw string field changes out. No database."""

from datetime import date, datetime, timezone
from decimal import Decimal

from products.history.changes import FieldChange, diff


def test_reports_a_changed_price_with_both_values():
    changes = diff({"price": Decimal("9.99")}, {"price": Decimal("12.50")})
    assert changes == [FieldChange("price", "9.99", "12.50")]


def test_decimals_compare_by_value_not_by_scale():
    assert diff({"price": Decimal("5.0")}, {"price": Decimal("5.00")}) == []


def test_identical_snapshots_give_no_changes():
    snapshot = {"name": "Mug", "quantity": 3, "category": 2}
    assert diff(snapshot, dict(snapshot)) == []


def test_none_and_blank_are_both_empty():
    assert diff({"supplier": None}, {"supplier": ""}) == []


def test_clearing_a_value_reports_an_empty_new_value():
    assert diff({"supplier": "Acme"}, {"supplier": None}) == [
        FieldChange("supplier", "Acme", "")
    ]


def test_related_rows_arrive_as_keys_and_files_as_names_and_stay_raw():
    changes = diff(
        {"category": 3, "image": "products/a.png"},
        {"category": 4, "image": "products/b.png"},
    )
    assert [(c.field, c.old, c.new) for c in changes] == [
        ("category", "3", "4"),
        ("image", "products/a.png", "products/b.png"),
    ]


def test_a_related_row_set_or_removed_is_its_key_or_empty():
    assert diff({"category": None}, {"category": 7}) == [
        FieldChange("category", "", "7")
    ]
    assert diff({"category": 7}, {"category": None}) == [
        FieldChange("category", "7", "")
    ]


def test_every_field_is_covered_without_being_listed():
    changes = diff({"colour": "red", "size": 1}, {"colour": "blue", "size": 2})
    assert [c.field for c in changes] == ["colour", "size"]


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


def test_values_become_strings_as_django_serialises_them_not_display_text():
    changes = diff(
        {"active": False, "quantity": 1000, "price": Decimal("1E+1")},
        {"active": True, "quantity": 2000, "price": Decimal("1234.50")},
    )
    assert [c.as_dict() for c in changes] == [
        {"field": "active", "old": "False", "new": "True"},
        {"field": "quantity", "old": "1000", "new": "2000"},
        {"field": "price", "old": "10", "new": "1234.50"},
    ]


def test_dates_and_times_are_stored_in_iso_format():
    moment = datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)
    changes = diff(
        {"expiry_date": None, "checked_at": None},
        {"expiry_date": date(2026, 3, 1), "checked_at": moment},
    )
    assert [(c.old, c.new) for c in changes] == [
        ("", "2026-03-01"),
        ("", "2026-03-01T09:30:00+00:00"),
    ]
