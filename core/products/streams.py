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

from django.conf import settings
from django.template.loader import render_to_string

# Topics (transport groups): one per product, and one for the listings, which
# hear that products were added (they are announced, not inserted).
LISTING_TOPIC = "catalog.listing"


def product_topic(pk):
    return f"catalog.product.{int(pk)}"


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


def render_public_change(snapshot):
    """The fragment every open page showing this product receives: price and
    stock badge swapped in place, or the notice that it is no longer available."""
    return render_to_string(
        "products/_catalog_event.html", {"product": snapshot}
    ).strip()


def render_catalog_updated():
    """The hint a listing shows when products were added while it was open."""
    return render_to_string(
        "products/_catalog_updated.html", {"added": True, "oob": True}
    ).strip()


def requested_products(query, limit=None):
    """The product pks a page asks to follow (``?p=1&p=2``): whole numbers only,
    each once, at most ``CATALOG_LIVE_MAX_PRODUCTS`` (a page shows one page of
    the catalog); None when the request asks for more, which no page does."""
    limit = limit or settings.CATALOG_LIVE_MAX_PRODUCTS
    wanted = []
    for value in query.getlist("p"):
        if (
            value.isascii()
            and value.isdigit()
            and int(value)
            and int(value) not in wanted
        ):
            wanted.append(int(value))
    return None if len(wanted) > limit else wanted
