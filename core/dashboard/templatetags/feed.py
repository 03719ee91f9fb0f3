from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

register = template.Library()

EMPTY = "—"


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


@register.filter
def change_value(value, field):
    """A stored diff value as shown: money for prices, file names for images."""
    if value in ("", None):
        return EMPTY
    return FORMATTERS.get(field, str)(value)


@register.filter
def as_money(amount):
    return money(str(amount))
