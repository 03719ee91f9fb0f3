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
