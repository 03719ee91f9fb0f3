"""HTTP requests run their synchronous code on a fixed set of long-lived threads.

Django's ASGI handler gives every request a thread-sensitive context of its own,
and asgiref makes that a new thread (and another to join it afterwards): two
thread starts per request. Profiled under ``make bench``, starting and joining
them took about a quarter of daphne's time for a catalog 304, more than the
view. Here each request borrows one of ``REQUEST_THREADS`` single-thread
executors for its whole life instead (Django's own context then nests inside
ours), as a threaded WSGI server does; a request arriving while all are busy
waits for one. WebSockets are left alone: consumers manage their own threads.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext
from django.conf import settings


class RequestThreads:
    """ASGI middleware: an HTTP request's sync code (middleware, view, database)
    runs on one borrowed long-lived thread."""

    def __init__(self, application, size=None):
        self.application = application
        self.size = size or settings.REQUEST_THREADS
        self.idle = None  # made on first use, inside the server's event loop

    def executors(self):
        if self.idle is None:
            self.idle = asyncio.Queue()
            for number in range(self.size):
                self.idle.put_nowait(
                    ThreadPoolExecutor(
                        max_workers=1, thread_name_prefix=f"request-{number}"
                    )
                )
        return self.idle

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.application(scope, receive, send)
        idle = self.executors()
        executor = await idle.get()
        try:
            async with ThreadSensitiveContext(executor=executor):
                return await self.application(scope, receive, send)
        finally:
            # A view still running in the thread after its request was given
            # up (the client left) only delays the next request on this one.
            idle.put_nowait(executor)
