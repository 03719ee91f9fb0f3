"""Numbers and dates as people type them in spreadsheets, read strictly.

Pure: no Django. A cell is a text (CSV, or a text cell of a workbook) or a
value a workbook typed already (a number, a date). A text is read in the
number format and date order the person chose on the upload form; what cannot
be read one way only is refused with the value itself and how to write it,
never guessed: ``06/07/2027`` is not a date in ISO order, ``18,50`` is not a
price when the decimal separator is a point.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

POINT, COMMA = ".", ","
ISO, DAY_FIRST, MONTH_FIRST = "iso", "dmy", "mdy"
DATE_PATTERNS = {ISO: "YYYY-MM-DD", DAY_FIRST: "DD/MM/YYYY", MONTH_FIRST: "MM/DD/YYYY"}
# Signs and codes a price may carry before or after it; nothing is converted.
CURRENCY = re.compile(
    r"^(?:[$€£¥₹]|USD|EUR|GBP|CHF|JPY|CAD|AUD)?\s*(.*?)\s*"
    r"(?:[$€£¥₹]|USD|EUR|GBP|CHF|JPY|CAD|AUD)?$"
)
# Thousands may also be grouped with spaces (a no-break one too) or apostrophes.
GROUP_SPACES = re.compile(r"(?<=\d)[ \u00a0\u202f'’](?=\d{3}(?:\D|$))")
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
SLASHED_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
# Text that a spreadsheet would run as a formula; see ``escape_formula``.
FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
# Floats from a workbook keep at most this many significant digits, so that
# 4.1000000000000005 (a formula's result) reads as 4.1.
FLOAT_DIGITS = 15


class Refused(ValueError):
    """A cell that cannot be read; the message names its value."""


@dataclass(frozen=True)
class ReadingOptions:
    decimal: str = POINT
    date_order: str = ISO

    @property
    def thousands(self):
        return COMMA if self.decimal == POINT else POINT


def shown(value, limit=40):
    """The value as the message quotes it: whole, or its start."""
    text = as_text(value)
    return f'"{text if len(text) <= limit else text[: limit - 1] + "…"}"'


def as_text(value):
    """A cell as text: numbers without float noise, dates in ISO order."""
    if type(value) is str:  # every CSV cell: the quick way
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        value = float_decimal(value)
    if isinstance(value, Decimal):
        return format(value.normalize() if value == value.to_integral() else value, "f")
    if isinstance(value, datetime):
        return value.date().isoformat() if is_midnight(value) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def float_decimal(value):
    return Decimal(format(value, f".{FLOAT_DIGITS}g"))


def is_midnight(value):
    return (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0)


def read_money(value, options, what="a price"):
    """``Decimal`` of a price cell (``None`` when empty), or ``Refused``."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Refused(f"{shown(value)} is not {what}: write {example(options)}")
    if isinstance(value, (int, float, Decimal)):
        return float_decimal(value) if isinstance(value, float) else Decimal(value)
    text = str(value).strip()
    if not text:
        return None
    number = CURRENCY.match(text).group(1)
    read = read_decimal(number, options)
    if read is None:
        raise Refused(
            f"{shown(text)} is not {what}: write {rewritten(number, options)}"
        )
    return read


def read_decimal(text, options):
    """The number ``text`` writes in ``options``' format, or ``None``."""
    text = GROUP_SPACES.sub("", text)
    sign = ""
    if text[:1] in "-−":
        sign, text = "-", text[1:]
    point, group = re.escape(options.decimal), re.escape(options.thousands)
    pattern = rf"^(\d+|\d{{1,3}}(?:{group}\d{{3}})+)(?:{point}(\d+))?$"
    match = re.match(pattern, text)
    if not match:
        return None
    whole = match.group(1).replace(options.thousands, "")
    fraction = match.group(2)
    return Decimal(f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}")


def rewritten(number, options):
    """How to write ``number`` in ``options``' format, when the other format
    reads it; else an example."""
    other = ReadingOptions(decimal=options.thousands, date_order=options.date_order)
    value = read_decimal(number, other)
    if value is None:
        return example(options)
    text = format(value, "f")
    return text.replace(".", options.decimal)


def example(options):
    return f"a number such as 1234{options.decimal}50"


def read_whole_number(value, options):
    """``int`` of a quantity cell (``None`` when empty), or ``Refused``."""
    if value is None or value == "":
        return None
    refused = Refused(f"{shown(value)} is not a whole number: write e.g. 12")
    if isinstance(value, bool):
        raise refused
    if isinstance(value, (int, float, Decimal)):
        number = float_decimal(value) if isinstance(value, float) else Decimal(value)
    else:
        text = str(value).strip()
        if not text:
            return None
        number = read_decimal(text, options)
    if number is None or number != number.to_integral_value():
        raise refused
    return int(number)


def read_date(value, options):
    """``date`` of an expiry cell (``None`` when empty), or ``Refused``.

    A text is read in the chosen order only; ISO dates (the year first, four
    digits) cannot be misread, so they are read whatever the order."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        if is_midnight(value):
            return value.date()
    elif isinstance(value, date):
        return value
    text = as_text(value).strip()
    if not text:
        return None
    pattern = DATE_PATTERNS[options.date_order]
    refused = Refused(
        f"{shown(text)} is not a date as {pattern}: write it as {pattern}"
    )
    iso = ISO_DATE.match(text)
    slashed = SLASHED_DATE.match(text)
    if iso:
        year, month, day = iso.groups()
    elif slashed and options.date_order == DAY_FIRST:
        day, month, year = slashed.groups()
    elif slashed and options.date_order == MONTH_FIRST:
        month, day, year = slashed.groups()
    else:
        raise refused
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise Refused(f"{shown(text)} is not a date: there is no such day") from None


def escape_formula(text):
    """A text cell for a CSV file that a spreadsheet opens: one that would
    start a formula gets a leading apostrophe (``unescape_formula`` removes it
    again on import)."""
    return f"'{text}" if FORMULA_START.match(text) else text


def unescape_formula(text):
    return text[1:] if text.startswith("'") and FORMULA_START.match(text[1:]) else text
