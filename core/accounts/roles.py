"""Who may do what: Django's model permissions, asked the way the admin asks.

The admin lets in active staff and then asks ``has_perm`` per model; our staff
pages do the same, so a user refused by the admin is refused here too.
Superusers have every permission (``User.has_perm``).
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Optional, TypeGuard, Union

if TYPE_CHECKING:  # models: not importable before the apps are loaded
    # django-stubs' placeholder for ``AUTH_USER_MODEL`` or an anonymous user.
    from django.contrib.auth.models import _AnyUser

ADD_PRODUCT = "products.add_product"
CHANGE_PRODUCT = "products.change_product"
DELETE_PRODUCT = "products.delete_product"
VIEW_PRODUCT = "products.view_product"
WATCH_FEED = "products.view_productchange"
# An import both creates and updates products.
IMPORT_PRODUCTS = (ADD_PRODUCT, CHANGE_PRODUCT)


def is_staff(user: "Optional[_AnyUser]") -> "TypeGuard[_AnyUser]":
    """Who the admin lets in: active staff."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def has_staff_permission(
    user: "Optional[_AnyUser]", permission: Union[str, Sequence[str]]
) -> bool:
    """Active staff holding ``permission``, or every one of a tuple of them (a
    query unless cached on ``user``: off the event loop only)."""
    needed = (permission,) if isinstance(permission, str) else permission
    return is_staff(user) and user.has_perms(needed)


def can_see_costs(user: "Optional[_AnyUser]") -> bool:
    """Who sees cost prices, margins and expiry dates on the catalog's pages
    (public pages with a staff part): active staff who may view products."""
    return has_staff_permission(user, VIEW_PRODUCT)


def can_watch_feed(user: "Optional[_AnyUser]") -> bool:
    """Who may watch the live change feed. Checked when a socket opens (through
    ``database_sync_to_async``: ``has_perm`` queries) and re-checked in a worker
    thread, against the database and on fresh user objects (``has_perm`` caches
    per object), while it stays open (``dashboard.validity``)."""
    return has_staff_permission(user, WATCH_FEED)
