"""A cost price never reaches anyone but staff: not the catalog, its htmx
fragments, the product page, error pages, the feed, its export or socket, for
anonymous visitors or for signed-in shoppers."""

from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from core.asgi import application
from products.editing import writes
from products.models import ProductChange
from products.tests.factories import ProductFactory
from products.tests.sockets import ORIGIN, session_cookie

COST = Decimal("7654.32")
# However it might be written: stored, as money, or as a margin against the price.
SECRETS = ("7654.32", "7,654.32", "7,644.33", "-7,644.33", "7644.33")
VISITORS = ["client", "regular_client"]


@pytest.fixture
def product(db):
    product = ProductFactory(name="Blue Mug", price=Decimal("9.99"), cost_price=COST)
    # A change of the cost, so that the feed, the history and the export hold it.
    writes.product_update(
        product=product, version=product.version, data={"cost_price": COST + 1}
    )
    product.refresh_from_db()
    writes.product_update(
        product=product, version=product.version, data={"cost_price": COST}
    )
    product.refresh_from_db()
    return product


def public_urls(product):
    change = ProductChange.objects.latest("pk")
    return [
        "/products/",
        "/products/?page=1&sort=price",
        product.get_absolute_url(),
        "/products/no-such-product/",
        f"/products/{product.slug}/history/",
        f"/products/{product.slug}/edit/",
        f"/products/{product.slug}/delete/",
        "/dashboard/products/",
        "/dashboard/products/export.csv",
        f"/dashboard/products/changes/{change.pk}/",
        "/admin/products/product/",
        f"/admin/products/product/{product.pk}/change/",
        "/healthz",
        "/readyz",
    ]


def body(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_no_public_page_or_fragment_shows_the_cost(request, product, visitor, htmx):
    client = request.getfixturevalue(visitor)
    headers = {"HX-Request": "true"} if htmx else {}
    for url in public_urls(product):
        response = client.get(url, headers=headers)
        shown = body(response)
        for secret in SECRETS:
            assert secret not in shown, (url, response.status_code)


@pytest.mark.parametrize("visitor", VISITORS)
def test_the_catalog_cannot_be_searched_or_sorted_by_cost(request, product, visitor):
    client = request.getfixturevalue(visitor)
    htmx = {"HX-Request": "true"}
    found = body(client.get(f"/products/?q={COST}", headers=htmx))
    assert "0 products" in found
    # An unknown sort falls back to the name: the order tells nothing.
    by_cost = body(client.get("/products/?sort=cost_price", headers=htmx))
    assert by_cost == body(client.get("/products/?sort=name", headers=htmx))


def test_staff_do_see_it(product, staff_client):
    assert "$7,654.32" in body(staff_client.get(product.get_absolute_url()))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("visitor", [None, "regular_user"])
async def test_the_feed_socket_sends_visitors_nothing(request, visitor):
    await sync_to_async(ProductFactory)(cost_price=COST)
    headers = [(b"origin", ORIGIN.encode())]
    if visitor is not None:
        user = await sync_to_async(request.getfixturevalue)(visitor)
        cookie = await sync_to_async(session_cookie)(user)
        headers.append((b"cookie", cookie.encode()))
    communicator = WebsocketCommunicator(application, "/ws/products/", headers)
    try:
        await communicator.connect(timeout=3)
        message = await communicator.receive_output(timeout=3)
        assert message["type"] == "websocket.close"
        assert "text" not in message and "bytes" not in message
    finally:
        await communicator.disconnect()
