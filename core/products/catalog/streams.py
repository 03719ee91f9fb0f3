"""The public catalog stream (``ws/catalog/``): price and stock, live, for anyone.

Everything pushed here is rendered from a ``PublicProduct``, a snapshot that holds
only what an anonymous visitor may see on the product's page anyway. The
fragments never see the product, its change row or who made the change, so
supplier, cost price, history and the actor cannot leak, whatever a template
asks for. Elements are keyed by the product's pk (``product-42-price``): slugs
change, pks do not.
"""

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.http import QueryDict
from django.template.loader import render_to_string

from live.protocol import Snapshot, point_marker
from live.publish import announce
from live.streams import Stream, everyone
from products.history.recording import changes_committed
from products.models import Product, ProductChange

# Topics (transport groups): one per product, and one for the listings, which
# hear that products were added (they are announced, not inserted).
LISTING_TOPIC = "catalog.listing"


# What a visitor sees of a product; a change touching none of these is not
# pushed (the low-stock threshold moves the badge).
PUBLIC_FIELDS = frozenset({"price", "quantity", "low_stock_threshold"})
TOPIC_PREFIX = "catalog.product."


def product_topic(pk):
    return f"{TOPIC_PREFIX}{int(pk)}"


@dataclass(frozen=True)
class PublicProduct:
    """What anyone may know about a product right now."""

    pk: int
    price: Decimal | None = None
    quantity: int = 0
    stock_status: str = "out"
    gone: bool = False

    @classmethod
    def of(cls, product):
        return cls(
            pk=product.pk,
            price=product.price,
            quantity=product.quantity,
            stock_status=product.stock_status,
        )

    @classmethod
    def deleted(cls, pk):
        return cls(pk=pk, gone=True)


def render_public_change(snapshot, as_of=None):
    """The fragment every open page showing this product receives: price and
    stock badge swapped in place, or the notice that it is no longer available.
    ``as_of``: the change it comes from, on the price (the bench counts events by
    it)."""
    return render_to_string(
        "products/_catalog_event.html", {"product": snapshot, "as_of": as_of}
    ).strip()


def render_catalog_updated():
    """The hint a listing shows when products were added while it was open."""
    return render_to_string(
        "products/_catalog_updated.html", {"added": True, "oob": True}
    ).strip()


# The largest pk a product can have (a BigAutoField): a larger number names no
# product, and would make a topic name the channel layer refuses.
MAX_PK = 2**63 - 1
PK_FIELD = forms.IntegerField(min_value=1, max_value=MAX_PK)


def requested_products(query, limit=None):
    """The product pks a page asks to follow (``?p=1&p=2``): whole numbers from
    1 to ``MAX_PK`` only (Django's own field parses them), each once, at most
    ``CATALOG_LIVE_MAX_PRODUCTS`` (a page shows one page of the catalog); None
    when the request asks for more, which no page does."""
    limit = limit or settings.CATALOG_LIVE_MAX_PRODUCTS
    values = query.getlist("p")
    if len(values) > limit:
        return None
    wanted = []
    for value in values:
        try:
            pk = PK_FIELD.clean(value)
        except ValidationError:
            continue
        if pk not in wanted:
            wanted.append(pk)
    return wanted


def query_of(scope):
    return QueryDict(scope.get("query_string", b"").decode("latin-1"))


# The products stream: one topic per product a page shows ----------------------


def product_topics(scope):
    """``ws/catalog/?p=1&p=2``: the products the page shows. None (too many)
    refuses the socket: no page shows more."""
    return [product_topic(pk) for pk in requested_products(query_of(scope)) or ()]


def public_snapshot_of(pk):
    """Blocking: the product as anyone may see it now, or that it is gone."""
    product = Product.objects.filter(pk=pk).first()
    return PublicProduct.deleted(pk) if product is None else PublicProduct.of(product)


def product_state(topic):
    """Blocking: a new socket's first frame for one product, its current price and
    stock (or that it is gone): whatever changed between the page's render and
    the socket's subscription shows at once. Shared by every socket on the topic
    until the product changes again."""
    pk = int(topic.removeprefix(TOPIC_PREFIX))
    return Snapshot(render_public_change(public_snapshot_of(pk)))


# The change ids of one product a resume looks at to drop their pushes.
RESUME_IDS = 1000


def product_after(topic, after_id):
    """Blocking: the resume of a page rendered at change ``after_id``: the
    product's price and stock now if it changed since (or is gone), else
    nothing. Never too old: the product's current values are its whole state.
    Every change of it since is in the snapshot's ids, so that a push of an
    older one arriving afterwards does not put older values back."""
    pk = int(topic.removeprefix(TOPIC_PREFIX))
    product = Product.objects.filter(pk=pk).first()
    if product is None:
        return Snapshot(render_public_change(PublicProduct.deleted(pk)))
    since = list(
        product.changes.filter(pk__gt=after_id)
        .order_by("-pk")
        .values_list("pk", flat=True)[:RESUME_IDS]
    )
    if not since:
        return Snapshot("")
    html = render_public_change(PublicProduct.of(product), since[0])
    return Snapshot(point_marker(since[0]) + html, ids=frozenset(since))


@dataclass(frozen=True)
class PublicChange:
    """What the public stream announces of a change: its id and the product's
    public snapshot as the change left it. Never the change row, which names who
    made it and every field."""

    id: int
    product: PublicProduct

    @classmethod
    def of(cls, change):
        """Taken in the committing thread, from the product the write path just
        saved (no query): the announcer then renders it without the database."""
        if change.action == ProductChange.Action.DELETED:
            return cls(change.pk, PublicProduct.deleted(change.product_id))
        return cls(change.pk, PublicProduct.of(change.product))


def render_change(event):
    """One change, rendered once for every page showing the product."""
    return render_public_change(event.product, event.id)


def change_id(event):
    return event.id


def public_stream(name, topics, current_state, render, after):
    """A stream anyone may join whose events are ``PublicChange``s."""
    return Stream(
        name=name,
        topics=topics,
        may_join=everyone,
        current_state=current_state,
        render=render,
        event_id=change_id,
        after=after,
    )


CATALOG_PRODUCTS = public_stream(
    "catalog products", product_topics, product_state, render_change, product_after
)


# The listings stream: products added -------------------------------------------


def listing_topics(scope):
    """``ws/catalog/?listing=1``: a catalog listing, told when products are added."""
    return [LISTING_TOPIC] if query_of(scope).get("listing") == "1" else []


def listing_state(topic):
    # The page was rendered a moment ago; nothing to add.
    return Snapshot("")


def render_addition(event):
    return render_catalog_updated()


def listing_after(topic, after_id):
    """Blocking: the resume of a listing rendered at change ``after_id``: the
    "products were added" hint if any was created since."""
    added = (
        ProductChange.objects.filter(
            pk__gt=after_id, action=ProductChange.Action.CREATED
        )
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if added is None:
        return Snapshot("")
    return Snapshot(point_marker(added) + render_catalog_updated())


CATALOG_LISTING = public_stream(
    "catalog listing", listing_topics, listing_state, render_addition, listing_after
)

CATALOG_STREAMS = (CATALOG_PRODUCTS, CATALOG_LISTING)


def touches_public_fields(change):
    return any(item.field in PUBLIC_FIELDS for item in change.field_changes)


@receiver(
    changes_committed, dispatch_uid="products.catalog.streams.announce_public_changes"
)
def announce_public_changes(sender, change_set, **kwargs):
    """After the commit: tell the pages showing each product the set changed
    (a price or stock change, or its deletion) as the set left it, once per
    product; and the listings, once, if it added products."""
    added = None
    for pk, changes in change_set.by_product().items():
        last = changes[-1]
        if any(change.action == ProductChange.Action.CREATED for change in changes):
            added = last
        if last.action == ProductChange.Action.DELETED or any(
            change.action == ProductChange.Action.UPDATED
            and touches_public_fields(change)
            for change in changes
        ):
            announce(CATALOG_PRODUCTS, product_topic(pk), PublicChange.of(last))
    if added is not None:
        announce(CATALOG_LISTING, LISTING_TOPIC, PublicChange.of(added))
