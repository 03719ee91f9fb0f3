"""The live layer's Redis stores on a real Redis: a burst of sockets opening and
closing at once (a storm of reconnects, a page of visitors leaving, a process
stopping) is counted in full, not refused by the client's connection pool."""

import asyncio
import os
import uuid

import pytest

from live.addresses import RedisCounts
from live.presence import RedisStore

REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="needs REDIS_URL: the count shared by processes is in Redis"
)
BURST = 300  # past redis-py's default of 100 connections per pool


async def test_a_burst_of_sockets_is_admitted_and_released_in_full():
    counts = RedisCounts(REDIS_URL, f"test-addresses-{uuid.uuid4().hex}")
    members = [uuid.uuid4().hex for _ in range(BURST)]
    try:
        admitted = await asyncio.gather(
            *(counts.admit("catalog", "10.0.0.1", m, BURST) for m in members)
        )
        assert all(admitted)
        assert await counts.client.zcard(counts.key("catalog", "10.0.0.1")) == BURST

        await asyncio.gather(
            *(counts.release("catalog", "10.0.0.1", m) for m in members)
        )
        assert await counts.client.zcard(counts.key("catalog", "10.0.0.1")) == 0
    finally:
        await counts.client.delete(counts.key("catalog", "10.0.0.1"))
        await counts.client.aclose()


async def test_a_burst_of_presence_beats_and_leaves_is_kept_in_full():
    store = RedisStore(REDIS_URL, f"test-presence-{uuid.uuid4().hex}")
    members = [uuid.uuid4().hex for _ in range(BURST)]
    key = store.key("feed")
    try:
        await asyncio.gather(*(store.beat("feed", [m], 30) for m in members))
        assert await store.client.zcard(key) == BURST

        await asyncio.gather(*(store.remove("feed", [m]) for m in members))
        assert await store.client.zcard(key) == 0
    finally:
        await store.client.delete(key)
        await store.client.aclose()
