from django.urls import path

from live.consumers import LiveConsumer
from products.catalog.socket_limits import SocketsPerAddress
from products.catalog.streams import CATALOG_STREAMS
from products.editing.edit_warnings import EDIT_WARNINGS
from products.table.stream import TABLE_STREAMS

websocket_urlpatterns = [
    # Public: anyone, so at most so many per address.
    path(
        "ws/catalog/",
        SocketsPerAddress(LiveConsumer.as_asgi(streams=CATALOG_STREAMS)),
    ),
    # Staff who may edit products (the stream's check).
    path(
        "ws/products/<int:pk>/changes/",
        LiveConsumer.as_asgi(streams=[EDIT_WARNINGS]),
    ),
    # The staff table: staff who may view products (the streams' check).
    path("ws/products/table/", LiveConsumer.as_asgi(streams=TABLE_STREAMS)),
]
