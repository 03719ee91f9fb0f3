"""Template filters for prices, counts and recorded changes, used by the product
pages, the catalog and the staff feed alike (``{% load product_format %}``)."""

from django import template

from accounts.roles import ADD_PRODUCT, CHANGE_PRODUCT, has_staff_permission

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


# The classes that show change rows' controls, by the permission each needs.
CHANGE_CONTROLS = {"may-revert": CHANGE_PRODUCT, "may-restore": ADD_PRODUCT}


@register.simple_tag(takes_context=True)
def change_controls(context):
    """Classes for a list of change rows that show their "Revert" and "Restore"
    controls to the viewer who may use them. A row is rendered once for every
    viewer (the live feed pushes one fragment to all its sockets), so rows always
    carry their controls and CSS hides them unless the list has these classes;
    the revert and restore pages check the permissions themselves."""
    user = context.get("user")
    return " ".join(
        name
        for name, permission in CHANGE_CONTROLS.items()
        if has_staff_permission(user, permission)
    )
