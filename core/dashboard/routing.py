from django.urls import path

from live.consumers import LiveConsumer

from .streams import FEED

websocket_urlpatterns = [
    path("ws/products/", LiveConsumer.as_asgi(streams=[FEED])),
]
