"""The staff part of the catalog's pages: who sees it, and the figures in it
(``{% load staff_figures %}``). Cost prices and margins never reach anyone else."""

from django import template
from django.utils import timezone

from accounts.roles import can_see_costs
from products import formats
from products.alerts.margin import margin as margin_of

register = template.Library()


@register.filter
def sees_costs(user):
    """``{% if user|sees_costs %}``: active staff who may view products."""
    return can_see_costs(user)


@register.filter
def margin(product):
    """The product's ``Margin`` (price minus cost), or None without a cost."""
    return margin_of(product.price, product.cost_price)


@register.filter
def expiry(expiry_date):
    """``expires in 3 days`` / ``expires today`` / ``expired 2 days ago``, from
    today in the site's time zone."""
    return formats.expiry(expiry_date, timezone.localdate())


@register.filter
def expired(expiry_date):
    """Whether the date has passed (today in the site's time zone)."""
    return expiry_date is not None and expiry_date < timezone.localdate()
