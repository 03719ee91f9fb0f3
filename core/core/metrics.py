"""``/metrics``: this process's figures in the Prometheus text format.

Each daphne process keeps its own counters (``live.metrics`` for the sockets,
``REQUEST_SECONDS`` here for HTTP), so a scraper asks every process directly,
never through the proxy (docs/deploy.md). Only addresses in
``METRICS_ALLOWED_NETWORKS`` (loopback by default) get an answer; anyone else
gets the site's 404, as if there were nothing here. Behind the proxy the address
is the one daphne reports (``--proxy-headers``), so a visitor coming through the
proxy is never loopback unless they are on the proxy's own machine: the proxy
also refuses ``/metrics`` itself (deploy/nginx/shop.conf).
"""

import ipaddress
import time
from functools import lru_cache

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Histogram, generate_latest

REQUEST_SECONDS = Histogram(
    "shop_http_request_seconds",
    "HTTP requests: from the request's start to its response's last byte",
    ["method", "code"],
)
# Methods Django serves; anything else is counted as "other" (bounded labels).
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


@lru_cache(maxsize=8)
def allowed_networks(networks):
    return tuple(ipaddress.ip_network(network, strict=False) for network in networks)


def allowed(address):
    try:
        client = ipaddress.ip_address(address or "")
    except ValueError:  # no peer (a Unix socket) or not an address
        return False
    networks = allowed_networks(tuple(settings.METRICS_ALLOWED_NETWORKS))
    return any(client in network for network in networks)


@never_cache
@require_safe
def metrics(request):
    if not allowed(request.META.get("REMOTE_ADDR")):
        raise Http404
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)


class RequestMetrics:
    """ASGI middleware: each HTTP request's duration, by method and status."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.application(scope, receive, send)
        started = time.monotonic()
        method = scope.get("method", "")
        method = method if method in METHODS else "other"
        status = []

        async def timed_send(message):
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)
            if message["type"] == "http.response.body" and not message.get(
                "more_body", False
            ):
                REQUEST_SECONDS.labels(method, str(status[0] if status else 0)).observe(
                    time.monotonic() - started
                )

        return await self.application(scope, receive, timed_send)
