"""A deployment check (``manage.py check --deploy``): behind a proxy, login
throttling must count the client's address, not the proxy's.

Behind a reverse proxy every connection daphne sees comes from the proxy. Unless
daphne runs with ``--proxy-headers`` (``deploy/`` does), axes counts every
visitor as the proxy's address, and five wrong passwords from anyone lock the
real user out. Django cannot see daphne's command line, so the deployment says
it with ``BEHIND_PROXY = True`` once daphne runs that way; a site that declares
a TLS proxy (``SECURE_PROXY_SSL_HEADER``, as ``core.settings.prod`` does)
without saying so is warned.
"""

from django.conf import settings
from django.core.checks import Tags, Warning, register

PROXY_HEADERS_MISSING = "accounts.W001"


@register(Tags.security, deploy=True)
def check_proxy_headers(app_configs, **kwargs):
    if getattr(settings, "BEHIND_PROXY", False):
        return []
    if not getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return []  # served directly: daphne's peer is the client
    return [
        Warning(
            "SECURE_PROXY_SSL_HEADER says a proxy is in front of the site, but "
            "BEHIND_PROXY is not set: unless daphne runs with --proxy-headers, "
            "every client counts as the proxy's address and five wrong passwords "
            "from anyone lock the real user out.",
            hint="Run daphne with --proxy-headers --proxy-headers-host X-Real-IP "
            "behind a proxy that sets X-Real-IP to its client's address (see "
            "deploy/), then set BEHIND_PROXY=true.",
            id=PROXY_HEADERS_MISSING,
        )
    ]
