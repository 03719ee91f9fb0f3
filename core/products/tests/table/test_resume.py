"""The staff table's socket resumes from the point its page was rendered at: a
change committed between the render and the connect reaches the row's cells,
and products added meanwhile are counted."""

import re
from decimal import Decimal
from html import unescape

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from accounts.tests.factories import StaffFactory
from live.protocol import RESUMED
from products.editing import writes
from products.tests.factories import ProductFactory
from products.tests.sockets import (  # noqa: F401 (autouse fixtures)
    close_db_connections_after_async_test,
    fresh_channel_layer,
)

pytestmark = [pytest.mark.socket, pytest.mark.django_db(transaction=True)]

SOCKET = re.compile(r'data-live-socket="(/ws/products/table/[^"]*)"')


@sync_to_async
def render_table(user):
    client = Client()
    client.force_login(user)
    response = client.get("/products/manage/")
    assert response.status_code == 200
    return unescape(SOCKET.search(response.content.decode())[1])


@sync_to_async
def update(product, **data):
    product.refresh_from_db()
    writes.product_update(product=product, version=product.version, data=data)


@pytest.fixture
async def staff():
    return await sync_to_async(StaffFactory)()


async def test_a_fresh_table_gets_no_state(open_socket, staff):
    await sync_to_async(ProductFactory)()
    path = await render_table(staff)
    assert "after=" in path

    socket, accepted = await open_socket(path, staff)
    assert accepted

    assert await socket.receive_from(timeout=3) == RESUMED


async def test_changes_between_render_and_connect_reach_the_row(open_socket, staff):
    product, other = [
        await sync_to_async(ProductFactory)(price=Decimal("12.50"), quantity=40)
        for _ in range(2)
    ]
    path = await render_table(staff)
    await update(product, price=Decimal("3.00"))
    await update(product, quantity=7)
    await sync_to_async(ProductFactory)()  # added meanwhile

    socket, _ = await open_socket(path, staff)
    first = await socket.receive_from(timeout=3)

    pk = product.pk
    assert first.startswith(RESUMED)
    # Both changes' cells, once, as the product is now.
    assert f'id="table-{pk}-price"' in first and 'data-saved="3.00"' in first
    assert f'id="table-{pk}-quantity"' in first
    assert first.count(f'id="table-{pk}-version"') == 1
    assert f'id="table-{other.pk}-' not in first
    assert 'class="added-item"' in first
