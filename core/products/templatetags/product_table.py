"""What the staff table's cells show (``{% load product_table %}``)."""

from django import template
from django.utils import timezone

from products.alerts.kinds import alerts_for
from products.alerts.rules import shop_rules
from products.table.query import alert_query

register = template.Library()


@register.filter
def open_alerts(product):
    """The product's open alerts, most urgent first (by today's rules)."""
    return alerts_for(product, shop_rules(), timezone.localdate())


@register.filter
def table_query(kind):
    """The table's query string listing the products with alerts of ``kind``."""
    return alert_query(kind)


@register.filter
def plain_number(value):
    """A price or quantity as an input holds it: ``12.50``, ``7``."""
    return "" if value is None else str(value)


@register.filter
def line_for(lines, pk):
    """``sparklines|line_for:product.pk``: the row's sparkline, or None."""
    return (lines or {}).get(pk)
