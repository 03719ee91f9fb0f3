"""Prices, whole numbers and dates as people type them, read in the chosen
format or refused with the value (pure: runs with ``-p no:django``)."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from products.transfer.cell_values import (
    COMMA,
    DAY_FIRST,
    MONTH_FIRST,
    ReadingOptions,
    Refused,
    as_text,
    escape_formula,
    read_date,
    read_money,
    read_whole_number,
    unescape_formula,
)

pytestmark = pytest.mark.unit

POINT_FORMAT = ReadingOptions()
COMMA_FORMAT = ReadingOptions(decimal=COMMA)


def refusal(reader, value, options):
    with pytest.raises(Refused) as raised:
        reader(value, options)
    return str(raised.value)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("21.00", "21.00"),
        ("$21.00", "21.00"),
        ("21.00 €", "21.00"),
        ("EUR 21.00", "21.00"),
        ("1,064.00", "1064.00"),
        ("1,234,567.5", "1234567.5"),
        ("1 064.00", "1064.00"),
        (" 7 ", "7"),
        ("-1", "-1"),
    ],
)
def test_prices_with_a_decimal_point(text, expected):
    assert read_money(text, POINT_FORMAT) == Decimal(expected)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("18,50", "18.50"),
        ("€ 1.064,00", "1064.00"),
        ("1064", "1064"),
        ("1\u00a0064,5", "1064.5"),
    ],
)
def test_prices_with_a_decimal_comma(text, expected):
    assert read_money(text, COMMA_FORMAT) == Decimal(expected)


@pytest.mark.parametrize(
    "text, options, message",
    [
        ("18,50", POINT_FORMAT, '"18,50" is not a price: write 18.50'),
        ("$21.00", COMMA_FORMAT, '"$21.00" is not a price: write 21,00'),
        ("1,0645", POINT_FORMAT, '"1,0645" is not a price: write 1.0645'),
        (
            "12,5.3",
            POINT_FORMAT,
            '"12,5.3" is not a price: write a number such as 1234.50',
        ),
        ("abc", COMMA_FORMAT, '"abc" is not a price: write a number such as 1234,50'),
        ("$", POINT_FORMAT, '"$" is not a price: write a number such as 1234.50'),
    ],
)
def test_prices_not_written_in_the_chosen_format_are_refused_with_the_value(
    text, options, message
):
    assert refusal(read_money, text, options) == message


def test_workbook_numbers_are_taken_as_they_are_without_float_noise():
    assert read_money(21, COMMA_FORMAT) == Decimal("21")
    assert read_money(4.1000000000000005, POINT_FORMAT) == Decimal("4.1")
    assert read_money(None, POINT_FORMAT) is None
    assert read_money("  ", POINT_FORMAT) is None


def test_whole_numbers():
    assert read_whole_number("1,064", POINT_FORMAT) == 1064
    assert read_whole_number("1.064", COMMA_FORMAT) == 1064
    assert read_whole_number(12.0, POINT_FORMAT) == 12
    assert read_whole_number("", POINT_FORMAT) is None
    for value in ("12.5", "lots", 2.5, "1.064"):
        message = refusal(read_whole_number, value, POINT_FORMAT)
        assert message == f'"{as_text(value)}" is not a whole number: write e.g. 12'


def test_a_date_is_read_only_in_the_chosen_order():
    assert read_date("06/07/2027", ReadingOptions(date_order=DAY_FIRST)) == date(
        2027, 7, 6
    )
    assert read_date("06/07/2027", ReadingOptions(date_order=MONTH_FIRST)) == date(
        2027, 6, 7
    )
    assert read_date("6.7.2027", ReadingOptions(date_order=DAY_FIRST)) == date(
        2027, 7, 6
    )
    # The year first (four digits) cannot be misread, whatever the order.
    for order in (DAY_FIRST, MONTH_FIRST):
        options = ReadingOptions(date_order=order)
        assert read_date("2027-06-30", options) == date(2027, 6, 30)


def test_a_date_not_valid_in_the_chosen_order_is_refused_never_guessed():
    assert refusal(read_date, "06/07/2027", POINT_FORMAT) == (
        '"06/07/2027" is not a date as YYYY-MM-DD: write it as YYYY-MM-DD'
    )
    assert refusal(read_date, "30/06/2027", ReadingOptions(date_order=MONTH_FIRST)) == (
        '"30/06/2027" is not a date: there is no such day'
    )
    assert refusal(read_date, "June 7", ReadingOptions(date_order=DAY_FIRST)) == (
        '"June 7" is not a date as DD/MM/YYYY: write it as DD/MM/YYYY'
    )
    assert refusal(read_date, "2027-02-30", POINT_FORMAT) == (
        '"2027-02-30" is not a date: there is no such day'
    )


def test_workbook_dates_are_dates():
    assert read_date(datetime(2027, 6, 30), POINT_FORMAT) == date(2027, 6, 30)
    assert read_date(date(2027, 6, 30), POINT_FORMAT) == date(2027, 6, 30)
    assert "is not a date" in refusal(read_date, datetime(2027, 6, 30, 9), POINT_FORMAT)


def test_long_values_are_quoted_by_their_start():
    message = refusal(read_money, "9" * 30 + "x" * 30, POINT_FORMAT)
    assert message.startswith(f'"{"9" * 30}{"x" * 9}…" is not a price')


@pytest.mark.parametrize(
    "text", ["=1+1", "+33 1", "-5 °C", "@sum", "'=x", "''-1", "ok"]
)
def test_formula_escaping_round_trips(text):
    escaped = escape_formula(text)
    assert not escaped[:1] in ("=", "+", "-", "@")
    assert unescape_formula(escaped) == text
