"""How numbers, money and stored values read on every page: one format each.

Pure: no Django. The template filters in ``templatetags/product_format.py`` and the
change rows (``change_display``) use these, so a price reads the same on a card,
the product page, the feed and the counters.
"""

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import PurePosixPath
from typing import Optional

EMPTY = "—"
CENT = Decimal("0.01")
# Values longer than this are shortened in change rows (the full change is one
# click away): a row, and so every frame pushed to the feed, stays small whatever
# a description holds.
SHOWN_CHARACTERS = 160
# Django's storage appends "_" and seven random letters and digits to a file name
# that is taken. Seven lowercase letters are more likely a word ("_handles").
COLLISION_SUFFIX = re.compile(r"_(?=[a-z]*[A-Z0-9])[A-Za-z0-9]{7}$")


def as_decimal(value: object) -> Optional[Decimal]:
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def money(value: object) -> str:
    """``$99,999,999.99``: dollars with thousands separators and cents; text that
    is not a number comes back as it is."""
    if value is None or value == "":
        return ""
    amount = as_decimal(value)
    if amount is None or not amount.is_finite():
        return str(value)
    amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def quantity(value: object) -> str:
    """``1,234,567``: a count with thousands separators."""
    if value is None or value == "":
        return ""
    number = as_decimal(value)
    if number is None or not number.is_finite():
        return str(value)
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,}"


def readable_file_name(name: str) -> str:
    """A stored file's name without its folder and without the random suffix the
    storage added to keep it unique: ``products/mug_0Cd52K4.png`` -> ``mug.png``."""
    path = PurePosixPath(name)
    stem = COLLISION_SUFFIX.sub("", path.stem) or path.stem
    return f"{stem}{path.suffix}"


def is_long(text: Optional[str]) -> bool:
    return text is not None and len(text) > SHOWN_CHARACTERS


def shortened(text: Optional[str]) -> Optional[str]:
    """``text`` cut to ``SHOWN_CHARACTERS`` at a word boundary, with an ellipsis."""
    if text is None or not is_long(text):
        return text
    cut = text[:SHOWN_CHARACTERS]
    space = cut.rfind(" ")
    if space > SHOWN_CHARACTERS // 2:
        cut = cut[:space]
    return f"{cut.rstrip()}…"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def expiry(expiry_date: Optional[date], today: date) -> str:
    """``expires in 3 days``, ``expires today``, ``expired 2 days ago`` (staff
    pages); ``""`` without a date."""
    if expiry_date is None:
        return ""
    days = (expiry_date - today).days
    if days > 0:
        return f"expires in {plural(days, 'day')}"
    if days == 0:
        return "expires today"
    return f"expired {plural(-days, 'day')} ago"
