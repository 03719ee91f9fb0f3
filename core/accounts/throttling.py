"""Login throttling with django-axes: the address it counts and the page it shows.

Axes counts failed logins per username and address (settings in
``core.settings.base``); when a pair is locked out its middleware replaces the
login page's answer with ``lockout_response``.
"""

from axes.models import AccessAttempt
from django.conf import settings
from django.shortcuts import render

# Axes stores the attempted username in a column this long; a longer one fails
# the insert on PostgreSQL (SQLite stores it whole).
USERNAME_COLUMN_LENGTH = AccessAttempt._meta.get_field("username").max_length


def client_address(request):
    """The socket's peer as the server saw it (daphne's ``scope["client"]``).

    Never a request header: a client could write any address there and get a
    fresh count each time. Behind a reverse proxy, have the proxy set
    ``X-Real-IP`` to its client's address and run daphne with
    ``--proxy-headers --proxy-headers-host X-Real-IP``: daphne then puts that
    address here. (Plain ``--proxy-headers`` reads ``X-Forwarded-For``'s
    left-most entry, which the client chooses unless the proxy overwrites the
    header rather than appending to it.)"""
    return request.META.get("REMOTE_ADDR")


def attempted_username(request, credentials=None):
    """The username axes counts failures under (``AXES_USERNAME_CALLABLE``): the
    one typed, as axes itself reads it, cut to the length axes can store. No
    account has a name that long (Django's usernames stop at 150 characters),
    so a cut name still counts against nobody real."""
    source = credentials if credentials else getattr(request, "POST", {})
    username = source.get(settings.AXES_USERNAME_FORM_FIELD)
    if not isinstance(username, str):
        return username
    return username[:USERNAME_COLUMN_LENGTH]


def cool_off_minutes():
    cool_off = settings.AXES_COOLOFF_TIME
    return round(cool_off.total_seconds() / 60) if cool_off else None


def lockout_response(request, *args, **kwargs):
    """Our locked-out page, with 429.

    The username comes from the form itself: under ASGI axes' middleware hands
    the callable its arguments in another order than under WSGI, so they are
    not relied on."""
    username = request.POST.get(settings.AXES_USERNAME_FORM_FIELD, "")
    context = {
        "username": username,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cool_off_minutes": cool_off_minutes(),
    }
    return render(
        request,
        "accounts/locked_out.html",
        context,
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
