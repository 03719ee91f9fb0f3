"""An edit form's socket resumes from the point the form was loaded
at: a save by someone else between the load and the connect is shown."""

import re
from decimal import Decimal
from html import unescape

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from accounts.tests.factories import StaffFactory
from live.protocol import RESUMED
from products.editing import writes
from products.history.actor import acting_as
from products.tests.factories import ProductFactory
from products.tests.sockets import (  # noqa: F401 (autouse fixtures)
    close_db_connections_after_async_test,
    fresh_channel_layer,
)

pytestmark = [pytest.mark.socket, pytest.mark.django_db(transaction=True)]

SOCKET = re.compile(r'data-live-socket="(/ws/products/\d+/edit/[^"]*)"')


@sync_to_async
def open_form(user, product):
    client = Client()
    client.force_login(user)
    response = client.get(f"/products/{product.slug}/edit/")
    assert response.status_code == 200
    return unescape(SOCKET.search(response.content.decode())[1])


@sync_to_async
def save_as(user, product, **data):
    product.refresh_from_db()
    with acting_as(user):
        writes.product_update(product=product, version=product.version, data=data)


async def test_a_save_between_load_and_connect_is_shown(open_socket):
    product = await sync_to_async(ProductFactory)(price=Decimal("15.00"))
    editor = await sync_to_async(StaffFactory)()
    alice = await sync_to_async(StaffFactory)(username="alice")
    path = await open_form(editor, product)
    assert "after=" in path

    await save_as(alice, product, price=Decimal("17.25"))
    socket, accepted = await open_socket(path, editor)
    assert accepted
    first = await socket.receive_from(timeout=3)

    assert first.startswith(RESUMED)
    assert f'hx-swap-oob="beforeend:#product-{product.pk}-edit-warnings"' in first
    assert "<strong>alice</strong> changed Price" in first


async def test_a_form_nobody_changed_gets_no_warning(open_socket):
    product = await sync_to_async(ProductFactory)()
    editor = await sync_to_async(StaffFactory)()
    path = await open_form(editor, product)

    socket, _ = await open_socket(path, editor)

    first = await socket.receive_from(timeout=3)
    # The form's one socket says who is on it, and warns of nothing.
    assert first.startswith(RESUMED)
    assert 'id="presence"' in first
    assert "edit-warning" not in first
