"""Reconnect storm: every staff socket opening at once, as after a server restart.

Each socket has its own real session, like the fan-out phases. One client
process starts every handshake at the same moment and records, per socket, the
time from that moment to its first frame and its size; handshakes the server
refused, dropped or did not answer in time are counted by reason.

Each socket resumes from the point of the change log a page rendered now would
carry (``?after=<latest change id>``, live/protocol.py): it gets only what came
after, not the whole state.
"""

import math

from .fanout import SocketClient
from .services import CpuMeter, wait_until_idle
from .stats import percentile

# The goal: every socket has its state this soon after the storm begins.
GOAL_SECONDS = 10
# How long one socket waits for its state: long enough to see a slow server's
# tail, not so long that a stuck server holds the bench.
SOCKET_TIMEOUT_SECONDS = 40


def resumed_url(url):
    """``url`` as a feed page rendered now connects: from its point."""
    from products.models import ProductChange

    latest = ProductChange.objects.order_by("-pk").values_list("pk", flat=True)
    point = latest.first()
    return f"{url}?after={point}" if point else url


def measure(target, count, work_dir, watch=None):
    processes = {"server": target.server_pid, **(watch or {})}
    url = resumed_url(target.url)
    wait_until_idle(target.server_pid)
    with CpuMeter(processes) as cpu:
        client = SocketClient(
            f"storm-{count}",
            url,
            count,
            work_dir,
            batch=count,
            timeout=SOCKET_TIMEOUT_SECONDS,
            connect_seconds=SOCKET_TIMEOUT_SECONDS + 20,
            **target.client,
        )
    try:
        results = client.finish()
    finally:
        client.kill()
    times = sorted(results["first_frame_s"])
    sizes = sorted(results.get("first_frame_bytes", ()))
    within = sum(1 for seconds in times if seconds <= GOAL_SECONDS)
    return {
        "sockets": count,
        "got_state": len(times),
        "within_goal": within,
        "goal_seconds": GOAL_SECONDS,
        "first_frame_s": {
            "p50": percentile(times, 0.50),
            "p99": percentile(times, 0.99),
            "max": times[-1] if times else None,
        },
        "p99_all_s": _p99_counting_failed(times, count),
        "resumed": url != target.url,
        "first_frame_bytes": {
            "p50": percentile(sizes, 0.50),
            "max": sizes[-1] if sizes else None,
        },
        "failures": results["failures"],
        "cpu": cpu.shares,
    }


def _p99_counting_failed(times, count):
    """p99 over every socket, one that never got its state being infinitely late:
    None when more than 1 % never did."""
    rank = math.ceil(0.99 * count)
    if rank == 0 or rank > len(times):
        return None
    return times[rank - 1]
