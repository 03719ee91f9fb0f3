"""Bounded waits: a task that ignores its cancel holds nobody past the bound."""

import asyncio

import pytest

from live.waits import bounded, settled


async def stubborn(release):
    """Ignores every cancel until ``release`` is set, as a redis-py read may."""
    while not release.is_set():
        try:
            await release.wait()
        except asyncio.CancelledError:
            continue
    return "done"


async def test_a_bounded_operation_gives_its_result(settings):
    settings.LIVE_IO_TIMEOUT_SECONDS = 5

    async def quick():
        return 42

    assert await bounded(quick(), "a quick one") == 42


async def test_an_operation_past_the_bound_fails_even_if_it_ignores_its_cancel(
    settings,
):
    settings.LIVE_IO_TIMEOUT_SECONDS = 0.05
    release = asyncio.Event()
    with pytest.raises(TimeoutError):
        await bounded(stubborn(release), "a stubborn one")
    release.set()


async def test_waiting_for_cancelled_tasks_ends_at_the_bound(settings, caplog):
    settings.LIVE_IO_TIMEOUT_SECONDS = 0.05
    release = asyncio.Event()
    task = asyncio.create_task(stubborn(release))
    await asyncio.sleep(0)
    task.cancel()
    await settled([task])
    assert not task.done()
    assert "ignored its cancel" in caplog.text
    release.set()
    assert await task == "done"
