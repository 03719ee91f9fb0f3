"""ws/catalog/: anonymous sockets following products' price and stock."""

from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async

from live.protocol import CLOSE_NOT_ALLOWED, CLOSE_TOO_MANY
from products.editing import writes
from products.tests.factories import ProductFactory
from products.tests.sockets import (  # noqa: F401 (autouse fixtures)
    close_db_connections_after_async_test,
    fresh_channel_layer,
)

pytestmark = [pytest.mark.socket, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_catalog(open_socket):
    """``await open_catalog(query)`` -> (communicator, accepted), anonymous."""

    def connect(query):
        return open_socket(f"/ws/catalog/?{query}")

    return connect


async def first_frames(socket):
    """What a new socket gets before any event: each topic's current state (one
    message, or one per topic), joined."""
    frames = [await socket.receive_from(timeout=3)]
    while not await socket.receive_nothing(timeout=0.3):
        frames.append(await socket.receive_from(timeout=3))
    return "".join(frames)


@sync_to_async
def make_product(**fields):
    fields = {
        "price": Decimal("15.00"),
        "quantity": 40,
        "supplier": "Hidden Supplier Ltd",
        "cost_price": Decimal("4.11"),
        **fields,
    }
    return ProductFactory(**fields)


@sync_to_async
def update(product, **data):
    product.refresh_from_db()
    writes.product_update(product=product, version=product.version, data=data)


@sync_to_async
def delete(product):
    product.refresh_from_db()
    writes.product_delete(product=product, version=product.version)


async def test_a_new_socket_gets_the_current_price_and_stock(open_catalog):
    product = await make_product(price=Decimal("12.50"), quantity=2)

    socket, accepted = await open_catalog(f"p={product.pk}")

    assert accepted
    state = await socket.receive_from(timeout=3)
    assert f'id="product-{product.pk}-price" hx-swap-oob="true">$12.50<' in state
    assert "Low stock: 2" in state


async def test_a_price_change_reaches_an_anonymous_socket_without_staff_fields(
    open_catalog,
):
    product = await make_product()
    socket, _ = await open_catalog(f"p={product.pk}")
    await socket.receive_from(timeout=3)

    await update(product, price=Decimal("17.25"))
    frame = await socket.receive_from(timeout=3)

    assert f'id="product-{product.pk}-price" data-as-of="' in frame
    assert 'hx-swap-oob="true">$17.25</span>' in frame
    for private in ("Hidden Supplier", "4.11", product.sku, product.name, "staff"):
        assert private not in frame


async def test_a_change_to_staff_only_fields_is_never_pushed(open_catalog):
    product = await make_product()
    socket, _ = await open_catalog(f"p={product.pk}")
    await socket.receive_from(timeout=3)

    await update(
        product, cost_price=Decimal("9.99"), supplier="Another Secret Supplier"
    )

    assert await socket.receive_nothing(timeout=1)


async def test_only_the_products_a_page_shows_are_pushed_to_it(open_catalog):
    shown, other = await make_product(), await make_product()
    socket, _ = await open_catalog(f"p={shown.pk}")
    await socket.receive_from(timeout=3)

    await update(other, price=Decimal("1.00"))

    assert await socket.receive_nothing(timeout=1)


async def test_a_deleted_product_is_said_to_be_no_longer_available(open_catalog):
    product = await make_product()
    pk = product.pk
    socket, _ = await open_catalog(f"p={pk}")
    await socket.receive_from(timeout=3)

    await delete(product)
    frame = await socket.receive_from(timeout=3)

    assert f'id="product-{pk}-availability"' in frame
    assert "No longer available." in frame


async def test_a_listing_hears_of_new_products_without_them_being_inserted(
    open_catalog,
):
    shown = await make_product()
    socket, _ = await open_catalog(f"listing=1&p={shown.pk}")
    assert f"product-{shown.pk}-price" in await first_frames(socket)

    added = await make_product(name="Brand New Lamp")
    frame = await socket.receive_from(timeout=3)

    assert 'id="catalog-updated"' in frame
    assert "Show the current catalog" in frame
    assert "Brand New Lamp" not in frame and str(added.pk) not in frame


async def test_a_socket_asking_for_more_products_than_a_page_shows_is_refused(
    open_catalog, settings
):
    settings.CATALOG_LIVE_MAX_PRODUCTS = 3

    socket, accepted = await open_catalog("p=1&p=2&p=3&p=4")

    assert accepted
    assert (await socket.receive_output(timeout=3))["code"] == CLOSE_NOT_ALLOWED


async def test_a_socket_following_nothing_is_refused(open_catalog):
    socket, _ = await open_catalog("p=abc")

    assert (await socket.receive_output(timeout=3))["code"] == CLOSE_NOT_ALLOWED


async def test_one_address_may_hold_only_so_many_sockets(open_catalog, settings):
    settings.CATALOG_SOCKETS_PER_ADDRESS = 2
    product = await make_product()
    for _ in range(2):
        socket, _ = await open_catalog(f"p={product.pk}")
        await socket.receive_from(timeout=3)

    third, accepted = await open_catalog(f"p={product.pk}")

    assert accepted
    assert (await third.receive_output(timeout=3))["code"] == CLOSE_TOO_MANY


async def test_a_closed_socket_frees_its_place(open_catalog, settings):
    settings.CATALOG_SOCKETS_PER_ADDRESS = 1
    product = await make_product()
    first, _ = await open_catalog(f"p={product.pk}")
    await first.receive_from(timeout=3)
    await first.disconnect()

    second, _ = await open_catalog(f"p={product.pk}")

    assert "price" in await second.receive_from(timeout=3)
