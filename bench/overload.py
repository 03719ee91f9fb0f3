"""Overload: more events than the server can carry, with a few sockets that
never read beside healthy ones.

The events are as large as the app makes them: each save swaps a product's
description between two long texts full of characters that HTML escapes. Feed
rows shorten long values, so an event frame is a few kilobytes; the phase runs
long enough to send each socket several times what the kernel buffers for a
stalled loopback peer (a few MiB), so that a socket that does not read makes the
server hold more than its bound. The phase reports whether the server shed those
sockets (closed them by itself, and with what code), the server's memory before,
at its peak and after, and whether the healthy sockets got every event.
"""

import threading
import time
from decimal import Decimal
from pathlib import Path

from .fanout import SaveSource, SocketClient, analyse, run_phase
from .services import BenchError, wait_until_idle

HEALTHY_SOCKETS = 100
SLOW_SOCKETS = 3
# Events per second, for this long: about 9 MB to each socket with ~3 KB frames.
EVENT_RATE = 200
OVERLOAD_SECONDS = 15
# The longest description the app is meant to take (the bound).
DESCRIPTION_CHARS = 5000
# Longer than the fan-out drain: an overloaded server may legitimately catch up.
DRAIN_SECONDS = 10
# After the drain: frames still arriving count as late; memory is read at its end.
SETTLE_SECONDS = 5
# Goals: slow sockets closed this soon after the phase starts; memory this close
# to where it was before.
SHED_WITHIN_SECONDS = 10
MEMORY_SLACK_MIB = 16
RSS_SAMPLE_SECONDS = 0.05


def long_descriptions(chars=DESCRIPTION_CHARS):
    """Two different descriptions of ``chars`` characters, each of which grows
    more than fivefold when HTML-escaped (as every pushed value is)."""
    unit = '"&\'"'
    text = (unit * (chars // len(unit) + 1))[:chars]
    return text, text[::-1]


class LongTextSource(SaveSource):
    """Saves that change the price and swap a long description: large events."""

    def __init__(self, product_ids, threads):
        super().__init__(product_ids, threads)
        self.descriptions = long_descriptions()

    def _save(self, product):
        number = next(self.counter)
        product.price = Decimal(100 + number).scaleb(-2)
        first, second = self.descriptions
        product.description = second if product.description == first else first
        self.local.change_id = self.local.committed = None
        product.save()
        return self.local.change_id, self.local.committed, time.monotonic_ns()


def rss_kib(pid):
    """Resident memory of a process, from /proc (kB as the kernel counts it)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


class RssSampler:
    """The peak resident memory of a process over an interval, sampled by a thread."""

    def __init__(self, pid):
        self.pid = pid
        self.peak = rss_kib(pid) or 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stopped.wait(RSS_SAMPLE_SECONDS):
            self.peak = max(self.peak, rss_kib(self.pid) or 0)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join(timeout=5)


def _mib(kib):
    return None if kib is None else round(kib / 1024, 1)


def measure(target, product_ids, threads, config, work_dir, watch=None):
    processes = {"server": target.server_pid, **(watch or {})}
    processes["bench"] = target.source_pid
    source = LongTextSource(product_ids, threads)
    # Every product gets a long description before the sockets connect, so that
    # every event of the phase carries two long values (old and new).
    source.steady(rate=200, seconds=len(product_ids) / 200)
    wait_until_idle(target.server_pid)
    client = SocketClient(
        "overload",
        target.url,
        HEALTHY_SOCKETS + SLOW_SOCKETS,
        work_dir,
        stall=SLOW_SOCKETS,
        **target.client,
    )
    try:
        if client.ready["connected"] < HEALTHY_SOCKETS + SLOW_SOCKETS:
            raise BenchError(f"overload: not every socket connected: {client.ready}")
        processes["client"] = client.pid
        wait_until_idle(target.server_pid)
        before = rss_kib(target.server_pid)
        with RssSampler(target.server_pid) as sampler:
            phase = run_phase(
                "max",
                source,
                client,
                processes,
                OVERLOAD_SECONDS,
                EVENT_RATE,
                drain_seconds=DRAIN_SECONDS,
            )
            time.sleep(SETTLE_SECONDS)
            settled_ns = time.monotonic_ns()
            after = rss_kib(target.server_pid)
        results = client.finish()
    finally:
        client.kill()
    wait_until_idle(target.server_pid)
    after_close = rss_kib(target.server_pid)
    healthy = analyse(phase, results)
    start = phase["start_ns"]
    never = healthy["lost"] - healthy["late"]
    return {
        "healthy_sockets": HEALTHY_SOCKETS,
        "slow_sockets": [
            _slow_socket(record, start, settled_ns) for record in results["stalled"]
        ],
        "event_rate": EVENT_RATE,
        "seconds": OVERLOAD_SECONDS,
        "drain_seconds": DRAIN_SECONDS,
        "settle_seconds": SETTLE_SECONDS,
        "event_frame_bytes": results.get("event_frame_bytes"),
        "healthy": healthy,
        # Pairs not delivered by the end of the drain, and of those the ones
        # that came later (within the settling time) or never.
        "backlog_after_drain": healthy["lost"],
        "late_after_drain": healthy["late"],
        "never_delivered": never,
        "healthy_closed_by_server": _closed_by_server(results["sockets"]),
        "rss_mib": {
            "before": _mib(before),
            "peak": _mib(sampler.peak),
            "after": _mib(after),
            "after_close": _mib(after_close),
        },
    }


def _slow_socket(record, start_ns, settled_ns):
    shed_at = record["shed_at"]
    closed = record["closed"]
    return {
        "shed_after_s": (
            None
            if shed_at is None or shed_at > settled_ns
            else round((shed_at - start_ns) / 1e9, 2)
        ),
        "close_code": closed[0] if closed else None,
        "bytes_read": record["bytes_read"],
    }


def _closed_by_server(sockets):
    codes = [record["closed"][0] for record in sockets if record["closed"]]
    return {str(code): codes.count(code) for code in set(codes)}
