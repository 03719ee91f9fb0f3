"""The staff table's live cells (``ws/products/table/?p=1&p=2``): one socket per
page, one topic per product it shows, and one for products added.

A price, stock, category or alert change by anyone replaces the row's cells in
place (each cell an element with an id from the product's pk, swapped out of
band: no bare ``<tr>`` is pushed, htmx#3316), the cells that changed marked for
a brief highlight; a deletion marks the row; a new product adds to the page's
"N new products". Staff who may view products only (the table shows costs).
"""

from django.dispatch import receiver
from django.template.loader import render_to_string

from accounts.roles import VIEW_PRODUCT, has_staff_permission
from live.conf import live_setting
from live.protocol import Snapshot, point_marker
from live.publish import announce
from live.streams import Stream
from products.catalog.streams import query_of, requested_products
from products.history.recording import changes_committed
from products.history.series import stock_sparklines
from products.models import Product, ProductChange
from products.table.rows import RowMaker

PRODUCT_PREFIX = "table.product."
LISTING_TOPIC = "table.listing"
# A page shows at most this many rows (the largest per_page).
MAX_PRODUCTS = 200
# The cells a change to each field shows in (the last change and the version
# are pushed with every change): a change pushes only those, so that a quantity
# change costs one sparkline query and a price change none.
CELLS_OF_FIELD = {
    "name": {"name"},
    "sku": {"sku"},
    "category": {"category"},
    "price": {"price", "margin", "alerts"},
    "cost_price": {"cost", "margin", "alerts"},
    "quantity": {"quantity", "spark", "alerts"},
    "low_stock_threshold": {"quantity", "alerts"},
    "expiry_date": {"expiry", "alerts"},
}
SHOWN_FIELDS = frozenset(CELLS_OF_FIELD)


def cells_for(fields):
    """The cells of a row that show ``fields``."""
    return set().union(*(CELLS_OF_FIELD.get(name, set()) for name in fields))


def product_topic(pk):
    return f"{PRODUCT_PREFIX}{int(pk)}"


def may_view(user):
    """Blocking: active staff who may view products (and so see costs)."""
    return has_staff_permission(user, VIEW_PRODUCT)


def product_topics(scope):
    wanted = requested_products(query_of(scope), limit=MAX_PRODUCTS) or ()
    return [product_topic(pk) for pk in wanted]


def listing_topics(scope):
    return [LISTING_TOPIC] if query_of(scope).get("listing") == "1" else []


def no_state(topic):
    # The page was rendered a moment ago from the database.
    return Snapshot("")


def cell_context(product, change, cells=None, flash=None):
    """What the row partial needs to push the cells a change shows (or
    ``cells``, marking ``flash`` as changed), as the page renders them."""
    changed = {item.field for item in change.field_changes}
    cells = cells_for(changed) if cells is None else cells
    sparkline = (
        stock_sparklines([product.pk]).get(product.pk) if "spark" in cells else None
    )
    return {
        "row": RowMaker().row(product, sparkline=sparkline, last=change),
        "cells": cells,
        "show_costs": True,
        "flash": changed if flash is None else flash,
    }


def render_row_change(change):
    """Blocking: one change of a product, as the cells of its row it shows,
    once for every table showing it."""
    if change.action == ProductChange.Action.DELETED:
        context = {"gone": change}
    else:
        context = cell_context(change.product, change)
    return render_to_string("products/table/event.html", context).strip()


def render_addition(change):
    return render_to_string(
        "products/table/added.html", {"pk": change.product_id}
    ).strip()


def change_id(change):
    return change.pk


def shown_changes_since(pk, after_id, limit):
    """The changes of product ``pk`` after ``after_id`` a table shows (at most
    ``limit`` + 1, newest first)."""
    changes = ProductChange.objects.filter(
        product_id=pk, pk__gt=after_id, action=ProductChange.Action.UPDATED
    ).order_by("-pk")
    return [
        change
        for change in changes[: limit + 1]
        if any(item.field in SHOWN_FIELDS for item in change.field_changes)
    ]


def product_after(topic, after_id):
    """Blocking: the resume of a table rendered at change ``after_id``: the
    cells of the product that changed since, once, as it is now (marked as the
    newest of those changes), and every one of them in the ids, so that a late
    push of an older one does not show older values. A product deleted since
    (its change rows no longer name it) and a point too old give no replay:
    the page shows the row as it was loaded."""
    pk = int(topic.removeprefix(PRODUCT_PREFIX))
    limit = live_setting("LIVE_RESUME_MAX_EVENTS")
    changes = shown_changes_since(pk, after_id, limit)
    product = Product.objects.select_related("category").filter(pk=pk).first()
    if not changes or product is None:
        return Snapshot("")
    newest = changes[0]
    fields = {item.field for change in changes for item in change.field_changes}
    context = cell_context(product, newest, cells=cells_for(fields), flash=fields)
    html = render_to_string("products/table/event.html", context).strip()
    return Snapshot(
        point_marker(newest.pk) + html, ids=frozenset(c.pk for c in changes)
    )


def listing_after(topic, after_id):
    """Blocking: the resume of a table's "N new products": one item per product
    created since ``after_id`` (at most ``LIVE_RESUME_MAX_EVENTS``)."""
    limit = live_setting("LIVE_RESUME_MAX_EVENTS")
    created = list(
        ProductChange.objects.filter(
            pk__gt=after_id, action=ProductChange.Action.CREATED
        ).order_by("pk")[:limit]
    )
    return Snapshot.replay((c.pk, render_addition(c)) for c in created)


TABLE_PRODUCTS = Stream(
    name="table products",
    topics=product_topics,
    may_join=may_view,
    current_state=no_state,
    render=render_row_change,
    event_id=change_id,
    after=product_after,
)
TABLE_LISTING = Stream(
    name="table listing",
    topics=listing_topics,
    may_join=may_view,
    current_state=no_state,
    render=render_addition,
    event_id=change_id,
    after=listing_after,
)
TABLE_STREAMS = (TABLE_PRODUCTS, TABLE_LISTING)


@receiver(changes_committed, dispatch_uid="products.table.stream.announce_row_changes")
def announce_row_changes(sender, change_set, **kwargs):
    """After the commit: tell the tables showing each product the set changed
    or deleted, and, once, that products were added."""
    added = None
    for pk, changes in change_set.by_product().items():
        for change in changes:
            if change.action == ProductChange.Action.CREATED:
                added = added or change
            elif change.action == ProductChange.Action.DELETED or any(
                item.field in SHOWN_FIELDS for item in change.field_changes
            ):
                announce(TABLE_PRODUCTS, product_topic(pk), change)
    if added is not None:
        announce(TABLE_LISTING, LISTING_TOPIC, added)
