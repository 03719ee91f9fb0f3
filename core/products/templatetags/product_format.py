"""Template filters for prices, counts and recorded changes, used by the product
pages, the catalog and the staff feed alike (``{% load product_format %}``)."""

from django import template

from .. import formats
from ..change_display import shown_change, shown_value

register = template.Library()


@register.filter
def money(value):
    """``$99,999,999.99``."""
    return formats.money(value)


@register.filter
def quantity(value):
    """``1,234,567``."""
    return formats.quantity(value)


@register.filter
def shortened(text):
    """Long values cut at a word boundary, with an ellipsis (change rows)."""
    return formats.shortened(text)


@register.filter
def shown_changes(change):
    """A ProductChange's fields with labels and values as shown (``ShownChange``)."""
    return shown_change(change)


@register.filter
def change_value(raw, field):
    """One stored value of ``field`` as shown: ``{{ "12.5"|change_value:"price" }}``."""
    return shown_value(field, "" if raw is None else str(raw))
