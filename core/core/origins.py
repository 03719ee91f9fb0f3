"""Which Origins may open a WebSocket: the site's own, on scheme, host and port.

Channels' ``AllowedHostsOriginValidator`` compares host names only, so a page
served from another port or scheme on an allowed host (``http://127.0.0.1:9999``
next to a site on ``:8000``) could read the staff feed with a staff cookie. Its
``OriginValidator`` does compare scheme and port, but only against a fixed list,
and the site's own origin depends on the request (the ``Host`` it was reached
by, and whether it came over TLS). Hence this small validator of our own: it
computes the request's own origin and reuses Channels' matching and refusal.
"""

from urllib.parse import urlparse

from channels.security.websocket import OriginValidator, WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}


def header(scope, name):
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return None


def request_scheme(scope):
    """``http`` or ``https``: what a page of this site, reached the way this
    socket was, has as its scheme. Behind a TLS-terminating proxy
    ``SECURE_PROXY_SSL_HEADER`` says so, exactly as for Django's requests."""
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        meta_name, secure_value = proxy_header
        name = meta_name.removeprefix("HTTP_").lower().replace("_", "-")
        value = header(scope, name.encode("latin1"))
        if value is not None:
            return "https" if value.split(",")[0].strip() == secure_value else "http"
    return "https" if scope.get("scheme") in ("wss", "https") else "http"


def own_origins(scope):
    """The origins of this site for this request, as ``(scheme, host, port)``.

    From the ``Host`` header (or ``X-Forwarded-Host`` with
    ``USE_X_FORWARDED_HOST``) when it names an allowed host; without one (not a
    browser: browsers always send it) every allowed host on the scheme's default
    port.
    """
    scheme = request_scheme(scope)
    host_header = header(scope, b"host")
    if settings.USE_X_FORWARDED_HOST:  # as Django's request.get_host()
        forwarded = header(scope, b"x-forwarded-host")
        if forwarded:
            host_header = forwarded.split(",")[0].strip()
    if host_header is None:
        hosts = [
            (host, DEFAULT_PORTS[scheme])
            for host in settings.ALLOWED_HOSTS
            if host != "*" and not host.startswith(".")
        ]
    else:
        domain, port = split_domain_port(host_header.lower())
        if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
            return set()
        try:
            hosts = [(domain, int(port) if port else DEFAULT_PORTS[scheme])]
        except ValueError:
            return set()
    return {(scheme, host.strip("[]"), port) for host, port in hosts}


def trusted_origin_patterns():
    """``CSRF_TRUSTED_ORIGINS`` in Channels' pattern syntax (``https://.example.com``
    for Django's ``https://*.example.com``)."""
    return [
        origin.replace("://*.", "://.", 1) for origin in settings.CSRF_TRUSTED_ORIGINS
    ]


class SiteOriginValidator(OriginValidator):
    """Accept a WebSocket handshake only from the site's own origins: the
    request's scheme and ``Host`` (whose host must be in ``ALLOWED_HOSTS``), or an
    origin listed in ``CSRF_TRUSTED_ORIGINS``. Anything else, or no ``Origin`` at
    all, is refused before the handshake completes, as Channels refuses."""

    def __init__(self, application):
        super().__init__(application, allowed_origins=trusted_origin_patterns())

    async def __call__(self, scope, receive, send):
        if self.origin_allowed(scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)

    def origin_allowed(self, scope):
        value = header(scope, b"origin")
        if not value:
            return False
        try:
            origin = urlparse(value.lower())
            port = self.get_origin_port(origin)
        except ValueError:  # a port that is not a number
            return False
        if origin.hostname is None:
            return False
        if (origin.scheme, origin.hostname, port) in own_origins(scope):
            return True
        return self.validate_origin(origin)
