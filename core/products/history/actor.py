"""Who is changing products right now.

A middleware stores the request's user in a ``ContextVar`` (which follows the
request into the thread that runs a sync view under ASGI). Code that runs without
a request (shell, management commands) is described by its source instead.
"""

import sys
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.urls import reverse

SHELL_COMMANDS = frozenset({"shell", "shell_plus", "dbshell"})


@dataclass(frozen=True)
class Actor:
    user: object = None  # a User, the request's lazy user, or None
    source: str = "system"

    @property
    def authenticated_user(self):
        user = self.user
        return user if user is not None and user.is_authenticated else None


_current = ContextVar("product_change_actor", default=None)


def process_source(argv=None):
    """``shell``, ``command <name>`` or ``system``, from how this process started."""
    argv = sys.argv if argv is None else argv
    if len(argv) > 1 and Path(argv[0]).name in {"manage.py", "django-admin"}:
        command = argv[1]
        return "shell" if command in SHELL_COMMANDS else f"command {command}"
    return "system"


def current_actor():
    return _current.get() or Actor(source=process_source())


@contextmanager
def acting_as(user=None, source="system"):
    token = _current.set(Actor(user=user, source=source))
    try:
        yield
    finally:
        _current.reset(token)


def request_source(request):
    return "admin" if request.path.startswith(reverse("admin:index")) else "web"


class ActorMiddleware:
    """Both sync- and async-capable, and never evaluates ``request.user`` itself:
    the lazy user is resolved later, in the thread that saves the product."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def actor_for(self, request):
        return Actor(
            user=getattr(request, "user", None), source=request_source(request)
        )

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        token = _current.set(self.actor_for(request))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)

    async def __acall__(self, request):
        token = _current.set(self.actor_for(request))
        try:
            return await self.get_response(request)
        finally:
            _current.reset(token)
