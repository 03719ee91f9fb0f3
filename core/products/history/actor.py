"""Who is changing products right now.

A middleware stores the request's user in a ``ContextVar`` (which follows the
request into the thread that runs a sync view under ASGI). Code that runs without
a request (shell, management commands) is described by its source instead.
"""

import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Union, cast

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse

if TYPE_CHECKING:  # models: not importable before the apps are loaded
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    # A User, the request's lazy user (which stands for one), or None.
    User = Union[AbstractBaseUser, AnonymousUser, None]

SHELL_COMMANDS = frozenset({"shell", "shell_plus", "dbshell"})


@dataclass(frozen=True)
class Actor:
    user: "User" = None  # a User, the request's lazy user, or None
    source: str = "system"

    @property
    def authenticated_user(self) -> "Optional[AbstractBaseUser]":
        user = self.user
        return user if user is not None and user.is_authenticated else None


_current: ContextVar[Optional[Actor]] = ContextVar("product_change_actor", default=None)


def process_source(argv: Optional[Sequence[str]] = None) -> str:
    """``shell``, ``command <name>`` or ``system``, from how this process started."""
    args = sys.argv if argv is None else argv
    if len(args) > 1 and Path(args[0]).name in {"manage.py", "django-admin"}:
        command = args[1]
        return "shell" if command in SHELL_COMMANDS else f"command {command}"
    return "system"


def current_actor() -> Actor:
    return _current.get() or Actor(source=process_source())


@contextmanager
def acting_as(user: "User" = None, source: str = "system") -> Iterator[None]:
    token = _current.set(Actor(user=user, source=source))
    try:
        yield
    finally:
        _current.reset(token)


def request_source(request: HttpRequest) -> str:
    return "admin" if request.path.startswith(reverse("admin:index")) else "web"


# The next handler: a sync or an async one, as Django gives it.
GetResponse = Callable[
    [HttpRequest], Union[HttpResponseBase, Awaitable[HttpResponseBase]]
]


class ActorMiddleware:
    """Both sync- and async-capable, and never evaluates ``request.user`` itself:
    the lazy user is resolved later, in the thread that saves the product."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def actor_for(self, request: HttpRequest) -> Actor:
        return Actor(
            user=getattr(request, "user", None), source=request_source(request)
        )

    def __call__(
        self, request: HttpRequest
    ) -> Union[HttpResponseBase, Awaitable[HttpResponseBase]]:
        if self.is_async:
            return self.__acall__(request)
        token = _current.set(self.actor_for(request))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        token = _current.set(self.actor_for(request))
        try:
            # Called only when ``is_async``: the next handler is a coroutine.
            response = cast(Awaitable[HttpResponseBase], self.get_response(request))
            return await response
        finally:
            _current.reset(token)
