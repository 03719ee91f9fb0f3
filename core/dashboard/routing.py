from django.urls import path

from live.consumers import LiveConsumer

from .presence import FEED_WATCHERS, PRODUCT_EDITORS, PRODUCT_VIEWERS
from .streams import FEED

websocket_urlpatterns = [
    path("ws/products/", LiveConsumer.as_asgi(streams=[FEED, FEED_WATCHERS])),
    path("ws/products/<int:pk>/", LiveConsumer.as_asgi(streams=[PRODUCT_VIEWERS])),
    path(
        "ws/products/<int:pk>/edit/",
        LiveConsumer.as_asgi(streams=[PRODUCT_EDITORS]),
    ),
]
