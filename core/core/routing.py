"""The live sockets, one per page: each page opens one socket, which carries
every stream the page shows (``LiveConsumer`` multiplexes them).

A route is cut by page, not by app, so it may combine streams of several apps
(presence from ``dashboard`` beside the catalog's price and stock): that is why
the routes live in the project package. Each stream keeps its own check; a
socket is accepted only if its user passes every one (else 4403), and the hub
re-checks them (docs/live.md).
"""

from django.urls import path

from dashboard.presence import FEED_WATCHERS, PRODUCT_EDITORS, PRODUCT_VIEWERS
from dashboard.streams import FEED
from live.consumers import LiveConsumer
from products.catalog.socket_limits import SocketsPerAddress
from products.catalog.streams import CATALOG_PRODUCTS, CATALOG_STREAMS
from products.editing.edit_warnings import EDIT_WARNINGS
from products.table.stream import TABLE_STREAMS


def page_socket(*streams):
    return LiveConsumer.as_asgi(streams=streams)


websocket_urlpatterns = [
    # The live feed (/dashboard/products/): the feed, and who is watching it.
    path("ws/products/", page_socket(FEED, FEED_WATCHERS)),
    # A catalog listing (?listing=1&p=...) and a visitor's product page (?p=<pk>):
    # public price and stock. Anyone may open it, so at most so many per address.
    path("ws/catalog/", SocketsPerAddress(page_socket(*CATALOG_STREAMS))),
    # A product's page seen by staff (?p=<pk>): who else is on it, and its public
    # price and stock. When the staff part is refused (4403: logged out, demoted)
    # the page falls back to its public socket (ws/catalog/).
    path("ws/products/<int:pk>/", page_socket(PRODUCT_VIEWERS, CATALOG_PRODUCTS)),
    # A product's edit form: who else is editing or viewing it, and others'
    # saves and deletes of it while the form is open.
    path("ws/products/<int:pk>/edit/", page_socket(PRODUCT_EDITORS, EDIT_WARNINGS)),
    # The staff table (?listing=1&p=...): its rows' cells, and products added.
    path("ws/products/table/", page_socket(*TABLE_STREAMS)),
]
