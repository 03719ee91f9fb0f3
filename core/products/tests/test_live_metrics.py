"""A catalog socket, as /metrics counts it: open sockets per stream, the event
announced, rendered, sent and delivered."""

from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from prometheus_client import REGISTRY

from live.publish import announcer
from products.editing import writes
from products.tests.factories import ProductFactory
from products.tests.sockets import (  # noqa: F401 (autouse fixtures)
    close_db_connections_after_async_test,
    fresh_channel_layer,
)

pytestmark = [pytest.mark.socket, pytest.mark.django_db(transaction=True)]


def value(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


@sync_to_async
def change_price(product, price):
    product.refresh_from_db()
    writes.product_update(
        product=product, version=product.version, data={"price": price}
    )
    announcer().flush()


async def test_a_socket_and_its_events_are_counted(open_socket):
    product = await sync_to_async(ProductFactory)(price=Decimal("15.00"))
    before = {
        "delivered": value("shop_live_events_delivered_total"),
        "announced": value("shop_live_announced_total", kind="live.event"),
        "render": value("shop_live_announce_render_lag_seconds_count"),
        "send": value("shop_live_announce_send_lag_seconds_count"),
    }
    sockets = value("shop_live_sockets", stream="catalog products")

    socket, accepted = await open_socket(f"/ws/catalog/?p={product.pk}")
    assert accepted
    await socket.receive_from(timeout=3)  # the current state
    assert value("shop_live_sockets", stream="catalog products") == sockets + 1

    await change_price(product, Decimal("16.00"))
    assert "$16.00" in await socket.receive_from(timeout=3)

    assert value("shop_live_events_delivered_total") >= before["delivered"] + 1
    assert (
        value("shop_live_announced_total", kind="live.event") >= before["announced"] + 1
    )
    assert value("shop_live_announce_render_lag_seconds_count") >= before["render"] + 1
    assert value("shop_live_announce_send_lag_seconds_count") >= before["send"] + 1
    await socket.disconnect()
    assert value("shop_live_sockets", stream="catalog products") == sockets
