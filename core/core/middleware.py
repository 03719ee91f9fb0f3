"""HTTP middleware of the project itself."""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpResponseBadRequest


def query_has_nul(request):
    """Whether any name or value in the query string holds a NUL character
    (``%00``): PostgreSQL refuses such strings in a query (``DataError``)."""
    return any(
        "\x00" in name or any("\x00" in value for value in values)
        for name, values in request.GET.lists()
    )


class RejectNulQueryMiddleware:
    """400 for a query string holding ``%00``, before any view builds a query.

    No page of the site takes a NUL in a parameter (the catalog search, the
    feed's and the admin's filters), and on PostgreSQL each of them would answer
    500. Sync- and async-capable, so it never costs a thread hop under daphne.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        if query_has_nul(request):
            return self.bad_request()
        return self.get_response(request)

    async def __acall__(self, request):
        if query_has_nul(request):
            return self.bad_request()
        return await self.get_response(request)

    @staticmethod
    def bad_request():
        return HttpResponseBadRequest(
            "Query parameters may not contain NUL characters.",
            content_type="text/plain; charset=utf-8",
        )


class RunMiddlewareInOneThread:
    """Last in ``MIDDLEWARE``: under ASGI, Django then runs every middleware in
    the request's own thread, one after the other.

    Django's own middleware (sessions, CSRF, auth, messages...) is async-capable
    only by handing each of its hooks to a thread and back, and WhiteNoise's is
    sync only: in an async chain a request crossed between the event loop and a
    thread about 15 times, each crossing costing more than the catalog's 304
    does. A sync-only middleware innermost makes the whole chain sync: one
    crossing into the thread, one back to the loop for the view's own.
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
