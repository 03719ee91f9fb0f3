"""With the channel layer broken, writes still succeed and the feed heals."""

import pytest
from asgiref.sync import sync_to_async
from django.test import override_settings

from live.publish import announcer
from products.models import ProductChange
from products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)


class BrokenChannelLayer:
    """A layer whose every send fails, like Redis refusing connections."""

    extensions = ["groups"]

    def __init__(self, **config):
        pass

    async def group_send(self, group, message):
        raise ConnectionError("channel layer unreachable")


BROKEN_LAYERS = [
    {"BACKEND": "dashboard.tests.test_broken_layer.BrokenChannelLayer"},
    {
        # A real channels-redis layer pointed at a port nothing listens on.
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [{"address": "redis://127.0.0.1:9", "socket_timeout": 1}]},
    },
]


@pytest.mark.parametrize("layer", BROKEN_LAYERS, ids=["raising", "redis-unreachable"])
async def test_saves_succeed_are_logged_and_a_reconnect_shows_what_was_missed(
    layer, staff_user, staff_client, open_feed, caplog
):
    product = await sync_to_async(ProductFactory)(quantity=1)
    # Its announcement is on its way through the working layer; let it arrive
    # before the layer breaks.
    await sync_to_async(announcer().flush)()

    def edit_through_the_form():
        data = {
            "name": product.name,
            "slug": product.slug,
            "sku": product.sku,
            "price": product.price,
            "quantity": 9,
            "supplier": product.supplier,
            "category": product.category_id,
            "description": "",
            "version": product.version,
        }
        with override_settings(CHANNEL_LAYERS={"default": layer}):
            response = staff_client.post(f"/products/{product.slug}/edit/", data)
            announcer().flush()  # the push is attempted off the request thread
            return response

    response = await sync_to_async(edit_through_the_form)()

    assert response.status_code == 302
    missed = await sync_to_async(ProductChange.objects.latest)("pk")
    assert missed.changes[0]["new"] == "9"
    assert "Could not send live.event to product-feed" in caplog.text

    communicator, accepted = await open_feed(staff_user)
    assert accepted
    assert f'id="change-{missed.pk}"' in await communicator.receive_from(timeout=3)
