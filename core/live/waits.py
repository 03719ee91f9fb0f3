"""Bounded waits on I/O the live layer does not control.

redis-py sometimes ignores the cancel of a task blocked in a read (98 of 300 in
one probe), and ``asyncio.wait_for`` waits for a cancelled task to end: a wait
on the transport or a store, made while something else waits for us (the hub's
lock, a closing socket's handler, which daphne kills after 10 s), must end
after a bound whatever the task does.
"""

import asyncio
import logging
from collections.abc import Awaitable, Iterable
from typing import TypeVar

from .conf import live_setting

logger = logging.getLogger(__name__)


Result = TypeVar("Result")


def io_timeout() -> float:
    return live_setting("LIVE_IO_TIMEOUT_SECONDS")


async def bounded(operation: Awaitable[Result], what: str) -> Result:
    """The result of ``operation`` (a coroutine of the transport or a store),
    or TimeoutError after ``LIVE_IO_TIMEOUT_SECONDS``. Never waits for it past
    that, not even for its cancellation, which redis-py sometimes ignores
    (``asyncio.wait_for`` would wait for it)."""
    task = asyncio.ensure_future(operation)
    try:
        done, _pending = await asyncio.wait({task}, timeout=io_timeout())
    except asyncio.CancelledError:
        task.cancel()
        raise
    if not done:
        task.cancel()
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        raise TimeoutError(f"{what} took longer than {io_timeout()} s")
    return task.result()


async def settled(tasks: Iterable["asyncio.Task[object]"]) -> None:
    """Wait for cancelled ``tasks`` to end, at most ``LIVE_IO_TIMEOUT_SECONDS``;
    one that ignores its cancel is left behind (logged)."""
    if not tasks:
        return
    _done, pending = await asyncio.wait(set(tasks), timeout=io_timeout())
    for task in pending:
        logger.warning("A live task ignored its cancel: %s", task.get_coro())
