"""One money format and one number format for the whole site. Pure: no database."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from products.formats import (
    SHOWN_CHARACTERS,
    expiry,
    money,
    quantity,
    readable_file_name,
    shortened,
)


@pytest.mark.parametrize(
    "value, shown",
    [
        (Decimal("99999999.99"), "$99,999,999.99"),
        ("12.5", "$12.50"),
        ("1234567.00", "$1,234,567.00"),
        (25, "$25.00"),
        (Decimal("0"), "$0.00"),
        (Decimal("270027.7"), "$270,027.70"),
        (Decimal("0.005"), "$0.01"),  # half a cent rounds up, as people expect
        (Decimal("-5"), "-$5.00"),
        ("", ""),
        (None, ""),
        ("Kitchen", "Kitchen"),  # not a number: left as it is
    ],
)
def test_money(value, shown):
    assert money(value) == shown


@pytest.mark.parametrize(
    "value, shown",
    [
        (7, "7"),
        (1000, "1,000"),
        ("1000000000", "1,000,000,000"),
        (Decimal("12000"), "12,000"),
        ("", ""),
        (None, ""),
        ("many", "many"),
    ],
)
def test_quantity(value, shown):
    assert quantity(value) == shown


@pytest.mark.parametrize(
    "name, shown",
    [
        ("products/blue-mug_0Cd52K4.png", "blue-mug.png"),  # the storage's suffix
        ("products/blue-mug.png", "blue-mug.png"),
        ("products/2026/blue-mug_a1b2c3d.jpg", "blue-mug.jpg"),
        ("products/mug_handles.png", "mug_handles.png"),  # a word, not a suffix
        ("products/_0Cd52K4.png", "_0Cd52K4.png"),  # nothing left without it
        ("image-3fa2b1c4.webp", "image-3fa2b1c4.webp"),
    ],
)
def test_readable_file_name(name, shown):
    assert readable_file_name(name) == shown


def test_short_values_are_kept_whole():
    assert shortened("A mug.") == "A mug."


def test_long_values_are_cut_at_a_word_with_an_ellipsis():
    text = "word " * 100
    cut = shortened(text)
    assert len(cut) <= SHOWN_CHARACTERS + 1
    assert cut.endswith("word…")


def test_a_long_value_without_spaces_is_cut_at_the_limit():
    assert shortened("x" * 1000) == "x" * SHOWN_CHARACTERS + "…"


@pytest.mark.parametrize(
    "days, shown",
    [
        (30, "expires in 30 days"),
        (1, "expires in 1 day"),
        (0, "expires today"),
        (-1, "expired 1 day ago"),
        (-12, "expired 12 days ago"),
    ],
)
def test_expiry_counts_days_from_today(days, shown):
    today = date(2026, 3, 10)
    assert expiry(today + timedelta(days=days), today) == shown


def test_no_expiry_date_reads_as_nothing():
    assert expiry(None, date(2026, 3, 10)) == ""
