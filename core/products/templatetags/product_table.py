"""The staff table's links (``{% load product_table %}``); what its rows show is
worked out in ``products/table/rows.py``."""

from django import template

from products.table.query import alert_query

register = template.Library()


@register.filter
def table_query(kind):
    """The table's query string listing the products with alerts of ``kind``."""
    return alert_query(kind)
