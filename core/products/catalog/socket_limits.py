"""How many sockets one client address may hold open on the public catalog
socket: ``CATALOG_SOCKETS_PER_ADDRESS``, counted across every process (in Redis
when ``REDIS_URL`` is set) by the live layer (``live.addresses``), keyed on the
client's address as daphne reports it: behind a reverse proxy, run daphne with
``--proxy-headers`` or every visitor counts as the proxy.
"""

from django.conf import settings

from live.addresses import SocketsPerAddress as CountedPerAddress


def catalog_limit():
    return settings.CATALOG_SOCKETS_PER_ADDRESS


class SocketsPerAddress(CountedPerAddress):
    """The catalog's cap around a route: past it, 4429."""

    def __init__(self, application, limit=None):
        super().__init__(
            application, (lambda: limit) if limit else catalog_limit, route="catalog"
        )
