"""A visitor's revalidation of the catalog, answered before the rest of the
middleware.

A browser or a cache that holds the catalog asks again with ``If-None-Match``
(or ``If-Modified-Since``); while nothing public changed, the answer is a 304.
Profiled under daphne, most of that 304's time went to middleware that cannot
change it for a visitor: the session, CSRF, authentication, messages, htmx and
the actor, each set up for a view that never runs. This middleware sits before
them and answers the 304 itself when the request can only be a visitor's: no
session cookie (so no signed-in user and no one-time message in the session)
and no messages cookie. It computes exactly the validators the view would
(``caching.visitor_catalog_validators``: the same ETag, Last-Modified, Vary and
Cache-Control) in one indexed query, on the request thread's connection (kept
between requests on PostgreSQL: ``CONN_MAX_AGE``). Anything else, and a
revalidation that does not match, goes on down the chain as before; the
validators it read are handed to the view, so a miss costs no second query.
"""

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from products.catalog.caching import patch_caching, visitor_catalog_validators

CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
# The message storages whose messages live in the session or that cookie.
KNOWN_MESSAGE_STORAGES = (
    "django.contrib.messages.storage.fallback.FallbackStorage",
    "django.contrib.messages.storage.cookie.CookieStorage",
    "django.contrib.messages.storage.session.SessionStorage",
)


class PublicRevalidationMiddleware:
    """Before ``SessionMiddleware`` in ``MIDDLEWARE``. Sync only, like the chain
    around it (see ``core.middleware.RunMiddlewareInOneThread``)."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response
        self.catalog_path = None  # reversed on first use: URLs load after this

    def __call__(self, request):
        if self.answers(request):
            found = visitor_catalog_validators(request)
            response = not_modified(request, found)
            if response is not None:
                return response
            # The view's ``conditional_page`` reads these back.
            request.page_validators = found
        return self.get_response(request)

    def answers(self, request):
        """Whether ``request`` revalidates the catalog and can only be a
        visitor's."""
        if self.catalog_path is None:
            self.catalog_path = reverse("product-list")
        cookies = request.COOKIES
        return (
            request.method in ("GET", "HEAD")
            and request.path_info == self.catalog_path
            and any(name in request.META for name in CONDITIONAL_HEADERS)
            and settings.SESSION_COOKIE_NAME not in cookies
            and CookieStorage.cookie_name not in cookies
            and settings.MESSAGE_STORAGE in KNOWN_MESSAGE_STORAGES
        )


def not_modified(request, found):
    """The 304 Django's ``condition`` (``caching.conditional_page``) would answer
    for the validators ``found``, with the same headers; None if they do not
    match the request's."""
    last_modified = None
    if found.last_modified is not None:
        last_modified = int(found.last_modified.timestamp())
    response = get_conditional_response(
        request, etag=found.etag, last_modified=last_modified
    )
    if response is None or response.status_code != 304:
        return None  # the page itself, or a 412 the chain answers as before
    if last_modified is not None:
        response.headers["Last-Modified"] = http_date(last_modified)
    response.headers.setdefault("ETag", found.etag)
    patch_caching(response, signed_in=False)
    # What the middleware after this one adds to every answer.
    response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
    return response
