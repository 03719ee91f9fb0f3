"""ws/products/<pk>/edit/: an open edit form hears of others' saves and
deletes of its product."""

from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.groups import FEED_WATCHERS
from accounts.tests.factories import StaffFactory, WatcherFactory
from live.protocol import CLOSE_NOT_ALLOWED
from products.editing import edit_warnings, writes
from products.history.actor import acting_as
from products.tests.factories import ProductFactory
from products.tests.sockets import (  # noqa: F401 (autouse fixtures)
    close_db_connections_after_async_test,
    fresh_channel_layer,
)

pytestmark = [pytest.mark.socket, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_form_socket(open_socket):
    """``await open_form_socket(product, user)`` -> (communicator, accepted)."""

    def connect(product, user=None):
        return open_socket(f"/ws/products/{product.pk}/edit/", user)

    return connect


async def settled(socket):
    """After the (empty) first frame."""
    await socket.receive_from(timeout=3)
    return socket


@sync_to_async
def save_as(user, product, **data):
    product.refresh_from_db()
    with acting_as(user):
        writes.product_update(product=product, version=product.version, data=data)


@sync_to_async
def delete_as(user, product):
    product.refresh_from_db()
    with acting_as(user):
        writes.product_delete(product=product, version=product.version)


async def test_a_save_by_someone_else_shows_who_changed_what(open_form_socket):
    product = await sync_to_async(ProductFactory)(price=Decimal("15.00"))
    editor, alice = await sync_to_async(StaffFactory)(), await sync_to_async(
        StaffFactory
    )(username="alice")
    socket = await settled((await open_form_socket(product, editor))[0])

    await save_as(alice, product, price=Decimal("17.25"), quantity=3)
    frame = await socket.receive_from(timeout=3)

    assert f'hx-swap-oob="beforeend:#product-{product.pk}-edit-warnings"' in frame
    assert "<strong>alice</strong> changed Price" in frame
    assert '<del class="old">$15.00</del>' in frame
    assert '<ins class="new">$17.25</ins>' in frame
    assert 'data-changed-fields="price quantity"' in frame


async def test_a_delete_says_the_product_is_gone(open_form_socket):
    product = await sync_to_async(ProductFactory)()
    editor, bob = await sync_to_async(StaffFactory)(), await sync_to_async(
        StaffFactory
    )(username="bob")
    socket = await settled((await open_form_socket(product, editor))[0])

    await delete_as(bob, product)
    frame = await socket.receive_from(timeout=3)

    assert "<strong>bob</strong> deleted this product just now" in frame
    assert "data-gone" in frame


async def test_another_products_changes_are_not_shown(open_form_socket):
    product, other = await sync_to_async(ProductFactory.create_batch)(2)
    editor = await sync_to_async(StaffFactory)()
    socket = await settled((await open_form_socket(product, editor))[0])

    await save_as(editor, other, price=Decimal("1.00"))

    assert await socket.receive_nothing(timeout=1)


@pytest.mark.parametrize("who", ["anonymous", "watcher"])
async def test_only_staff_who_may_edit_are_let_in(open_form_socket, who):
    product = await sync_to_async(ProductFactory)()
    user = None
    if who == "watcher":
        user = await sync_to_async(WatcherFactory)(roles=[FEED_WATCHERS])

    socket, accepted = await open_form_socket(product, user)

    assert accepted
    assert (await socket.receive_output(timeout=3))["code"] == CLOSE_NOT_ALLOWED


def test_the_warnings_of_one_set_are_rendered_with_one_lookup(monkeypatch):
    """An import's warnings are many: rendering them does not cost a query each."""
    mugs = [ProductFactory(price=Decimal("4.00")) for _ in range(6)]
    events = []
    monkeypatch.setattr(
        edit_warnings, "announce", lambda stream, topic, event: events.append(event)
    )
    writes.products_bulk(
        items=[writes.BatchItem(m, {"price": Decimal("3.00")}, 1) for m in mugs],
        label="price −$1.00",
    )

    with CaptureQueriesContext(connection) as queries:
        rendered = [edit_warnings.render_warning(event) for event in events]

    assert len(rendered) == 6 and all("$3.00" in html for html in rendered)
    assert len(queries) <= 1
