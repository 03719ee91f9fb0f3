from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

register = template.Library()

EMPTY = "—"
# Values longer than this are shortened in feed rows (the full change is one
# click away): a row, and so every frame pushed to the feed, stays small whatever
# a description holds.
SHOWN_CHARACTERS = 160


def money(text):
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return text
    return f"${intcomma(f'{amount:.2f}')}"


FORMATTERS = {
    "price": money,
    "image": lambda name: PurePosixPath(name).name,
}


def is_long(value):
    return value is not None and len(value) > SHOWN_CHARACTERS


@register.filter
def change_value(value, field):
    """A stored diff value as shown: money for prices, file names for images."""
    if value in ("", None):
        return EMPTY
    return FORMATTERS.get(field, str)(value)


@register.filter
def shortened(text):
    """``text`` cut to ``SHOWN_CHARACTERS`` at a word boundary, with an ellipsis."""
    if not is_long(text):
        return text
    cut = text[:SHOWN_CHARACTERS]
    space = cut.rfind(" ")
    if space > SHOWN_CHARACTERS // 2:
        cut = cut[:space]
    return f"{cut.rstrip()}…"


@register.filter
def has_long_values(change):
    """Whether a feed row shortens any of ``change``'s values."""
    return any(is_long(item.old) or is_long(item.new) for item in change.field_changes)


@register.filter
def as_money(amount):
    return money(str(amount))
