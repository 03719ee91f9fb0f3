from django.urls import path

from live.consumers import LiveConsumer

from .socket_limits import SocketsPerAddress
from .streams import CATALOG_STREAMS

websocket_urlpatterns = [
    # Public: anyone, so at most so many per address.
    path(
        "ws/catalog/",
        SocketsPerAddress(LiveConsumer.as_asgi(streams=CATALOG_STREAMS)),
    ),
]
