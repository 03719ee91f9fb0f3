"""Fan-out: N staff sockets, events at a fixed rate (latency) and flat out
(throughput), through the app (model save -> Redis -> daphne) and through a bare
websockets server on the same machine (the raw limit).

Send and receive times are ``time.monotonic_ns()`` in different processes: on
Linux that clock is system-wide, so they subtract directly.
"""

import itertools
import json
import math
import os
import threading
import time
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.testing.processes import free_port

from .fanout_client import SNAPSHOT_MARKER
from .profiling import Profiler
from .services import BenchError, CpuMeter, LineChild, python_helper, wait_until_idle
from .stats import summary_ms

# After the last event, wait this long for frames still on their way. Only every
# frame having arrived ends the wait sooner: a server that falls silent for a
# second may still go on delivering.
DRAIN_SECONDS = 3.0
# Frames in this last stretch of the drain mean the server is still behind.
STILL_ARRIVING_SECONDS = 0.5
# Bounds on one flat-out phase, whatever the time says.
MAX_SAVES = 200_000
# The app's max phase offers events worth this many frames per second: more than
# daphne delivers here, far less than the raw limit. Saving flat out instead would
# spend a core of this 2-core machine on the event source (a real model save per
# event), taken from the server being measured; the bare server's events cost
# nothing to produce.
OFFERED_FRAMES_PER_S = 60_000


def offered_rate(sockets):
    """Events per second for the app's max phase with this many sockets."""
    return math.ceil(OFFERED_FRAMES_PER_S / max(sockets, 1))


# A max phase counts as bounded by its event source when this share of all the
# (socket, event) pairs it produced arrived within the drain.
KEPT_UP = 0.98
# A process this busy (share of one core) is the bottleneck.
SATURATED = 0.9


class SocketClient:
    """One ``fanout_client.py`` process holding ``count`` sockets."""

    def __init__(
        self,
        label,
        url,
        count,
        work_dir,
        origin=None,
        cookies=None,
        batch=None,
        timeout=None,
        stall=0,
        connect_seconds=None,
    ):
        self.label = label
        self.out_path = Path(work_dir) / f"client-{label}.json"
        # Connecting costs the server a state render per socket: allow for it.
        connect_seconds = connect_seconds or 30 + 0.09 * count
        argv = python_helper("fanout_client.py") + [
            "--url",
            url,
            "--count",
            str(count),
            "--out",
            str(self.out_path),
            "--connect-seconds",
            str(connect_seconds),
            "--max-seconds",
            "300",
        ]
        if origin:
            argv += ["--origin", origin]
        if cookies:
            argv += ["--cookies", str(cookies)]
        if batch:
            argv += ["--batch", str(batch)]
        if timeout:
            argv += ["--timeout", str(timeout)]
        if stall:
            argv += ["--stall", str(stall)]
        self.child = LineChild(
            f"socket client ({label})", argv, Path(work_dir) / f"client-{label}.log"
        )
        try:
            self.ready = json.loads(self.child.expect("ready", connect_seconds + 30))
        except BaseException:
            self.child.stop(grace=2)
            raise

    @property
    def pid(self):
        return self.child.pid

    def stats(self):
        self.child.send("stats")
        return json.loads(self.child.expect("stats", 30))

    def finish(self):
        self.child.send("stop")
        self.child.expect("done", 90)
        self.child.stop()
        with open(self.out_path) as out:
            return json.load(out)

    def kill(self):
        self.child.stop(grace=2)


class SaveSource:
    """Events made the way the app makes them: ``product.save()``.

    Each save records the diff, writes the change row and, on commit, renders
    the event and announces it; all of that happens inside save(). An event's
    send time is its commit: an on_commit hook added in ``pre_save`` runs before
    the app's own announcement (added in ``post_save``), so latency covers the
    announcement too. The change id comes from
    ``products.history.recording.changes_committed``, sent in the saving thread.
    """

    def __init__(self, product_ids, threads):
        self.product_ids = list(product_ids)
        self.threads = threads
        self.counter = itertools.count(1)
        self.local = threading.local()

    @contextmanager
    def _listening(self):
        # Only during the phases: the write-path figures must not include this.
        from django.db.models.signals import pre_save

        from products.history.recording import changes_committed
        from products.models import Product

        pre_save.connect(self._on_pre_save, sender=Product, weak=False)
        changes_committed.connect(self._on_changed, weak=False)
        try:
            yield
        finally:
            pre_save.disconnect(self._on_pre_save, sender=Product)
            changes_committed.disconnect(self._on_changed)

    def _on_pre_save(self, sender, instance, raw=False, **kwargs):
        from django.db import transaction

        transaction.on_commit(self._on_commit)

    def _on_commit(self):
        self.local.committed = time.monotonic_ns()

    def _on_changed(self, sender, change_set, **kwargs):
        self.local.change_id = change_set.changes[-1].pk

    def _products(self, ids):
        from products.models import Product

        return list(Product.objects.filter(pk__in=ids).order_by("pk"))

    def _save(self, product):
        """Save one change: (change id, commit time, time save() returned)."""
        # A new price on every save, so every save is a change (and an event).
        product.price = Decimal(100 + next(self.counter)).scaleb(-2)
        self.local.change_id = self.local.committed = None
        product.save()
        return self.local.change_id, self.local.committed, time.monotonic_ns()

    def steady(self, rate, seconds):
        products = self._products(self.product_ids)
        events, saves, announces = [], [], []
        with self._listening():
            start, start_ns = time.monotonic(), time.monotonic_ns()
            for number in range(int(rate * seconds)):
                delay = start + number / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                began = time.monotonic_ns()
                change_id, committed, returned = self._save(
                    products[number % len(products)]
                )
                saves.append(returned - began)
                if change_id is not None and committed is not None:
                    events.append([change_id, committed])
                    announces.append(returned - committed)
        return {
            "start_ns": start_ns,
            "events": events,
            "save": summary_ms(saves),
            "after_commit": summary_ms(announces),
        }

    def one_at_a_time(self, count, after_each):
        """``count`` saves, each followed by ``after_each()`` (which waits until
        that change has reached the sockets): every change travels alone."""
        products = self._products(self.product_ids)
        events = []
        with self._listening():
            start_ns = time.monotonic_ns()
            for number in range(count):
                change_id, committed, _ = self._save(products[number % len(products)])
                if change_id is not None and committed is not None:
                    events.append([change_id, committed])
                after_each()
        return {"start_ns": start_ns, "events": events}

    def max(self, seconds, rate=None):
        """Save as fast as possible, or at most ``rate`` events/s (all threads)."""
        from django.db import connection

        batches: list[list[list[Any]]] = [[] for _ in range(self.threads)]
        errors = []
        start = time.monotonic()
        deadline = start + seconds
        interval = self.threads / rate if rate else 0

        def work(index):
            try:
                products = self._products(self.product_ids[index :: self.threads])
                events = batches[index]
                while time.monotonic() < deadline and len(events) < MAX_SAVES:
                    due = start + (index / self.threads + len(events)) * interval
                    wait = due - time.monotonic()  # read once: it may pass meanwhile
                    if wait > 0:
                        time.sleep(wait)
                    change_id, committed, _ = self._save(
                        products[len(events) % len(products)]
                    )
                    if change_id is not None and committed is not None:
                        events.append([change_id, committed])
            except Exception as error:  # reported, and the phase is marked broken
                errors.append(repr(error))
            finally:
                connection.close()  # this thread's own connection

        with self._listening():
            start_ns = time.monotonic_ns()
            workers = [
                threading.Thread(target=work, args=(index,), daemon=True)
                for index in range(self.threads)
            ]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join(timeout=seconds + 60)
        if errors:
            raise BenchError(f"Saving failed in the max phase: {errors[0]}")
        events = sorted(itertools.chain.from_iterable(batches), key=lambda e: e[1])
        return {"start_ns": start_ns, "events": events, "threads": self.threads}


class RawServer:
    """``raw_server.py`` in its own process; also the event source of its phases.

    Its first frame to each socket carries the app's current-state marker, so the
    client gets ready the same way; events are ``prefix`` + id + ``suffix``.
    """

    def __init__(self, prefix, suffix, work_dir):
        hello = f'<div {SNAPSHOT_MARKER}><p id="raw-hello">ready</p></div>'
        spec = Path(work_dir) / "raw-spec.json"
        spec.write_text(
            json.dumps({"hello": hello, "prefix": prefix, "suffix": suffix})
        )
        self.port = free_port()
        self.url = f"ws://127.0.0.1:{self.port}/"
        self.child = LineChild(
            "raw server",
            python_helper("raw_server.py")
            + ["--port", str(self.port), "--spec", str(spec)],
            Path(work_dir) / "raw-server.log",
        )
        self.child.expect("listening", 30)

    @property
    def pid(self):
        return self.child.pid

    def _phase(self, command, seconds):
        start_ns = time.monotonic_ns()
        self.child.send(command)
        events = json.loads(self.child.expect("sent", seconds + 60))["events"]
        return {"start_ns": start_ns, "events": events}

    def steady(self, rate, seconds):
        return self._phase(f"steady {rate} {seconds}", seconds)

    def max(self, seconds, rate=None):
        return self._phase(f"max {seconds}", seconds)  # paces itself

    def stop(self):
        self.child.stop(grace=5)


def drain(client, target, seconds=DRAIN_SECONDS):
    """Wait for frames still on their way; say how the wait ended."""
    deadline = time.monotonic() + seconds
    while True:
        stats = client.stats()
        if stats["frames"] >= target:
            return "complete"
        if time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    silent_ns = time.monotonic_ns() - stats["last_rx"]
    if silent_ns < STILL_ARRIVING_SECONDS * 1e9:
        return "backlog"  # the server is behind and still delivering
    return "stopped"  # the missing frames stopped coming: lost


def run_phase(
    kind, source, client, processes, seconds, rate, drain_seconds=DRAIN_SECONDS
):
    """One phase: events from ``source``, then the drain. CPU is per process, as a
    share of one core over the whole phase (drain included)."""
    before = client.stats()
    with CpuMeter(processes) as cpu:
        if kind == "steady":
            phase = source.steady(rate, seconds)
        else:
            phase = source.max(seconds, rate)
        target = before["frames"] + len(phase["events"]) * before["open"]
        phase["drain"] = drain(client, target, drain_seconds)
        phase["end_ns"] = time.monotonic_ns()
    phase["sockets"] = before["open"]
    phase["cpu"] = cpu.shares
    return phase


def analyse(phase, results):
    """Figures of one phase from the client's record of every frame."""
    sent = {event_id: sent_ns for event_id, sent_ns in phase["events"]}
    start, end = phase["start_ns"], phase["end_ns"]
    latencies, duplicates, late, last_rx = [], 0, 0, start
    for record in results["sockets"]:
        seen = set()
        for event_id, received in zip(record["ids"], record["times"]):
            sent_ns = sent.get(event_id)
            if sent_ns is None:
                continue  # another phase's event
            if event_id in seen:
                duplicates += 1
                continue
            seen.add(event_id)
            if received > end:
                late += 1
                continue
            latencies.append(received - sent_ns)
            last_rx = max(last_rx, received)
    expected = len(sent) * phase["sockets"]
    received = len(latencies)
    sending = (phase["events"][-1][1] - start) / 1e9 if phase["events"] else 0
    delivering = (last_rx - start) / 1e9
    closes = [
        record["closed"][0]
        for record in results["sockets"]
        if record["closed"] and start <= record["closed"][1] <= end
    ]
    drain_ending = phase["drain"]
    if drain_ending == "stopped" and late:
        # Frames came after all, once the drain was over: the server had paused.
        drain_ending = "backlog"
    server_seconds = phase["cpu"].get("server", 0) * (end - start) / 1e9
    figures = {
        "server_us_per_frame": (
            round(server_seconds * 1e6 / received, 1) if received else None
        ),
        "sockets": phase["sockets"],
        "events": len(sent),
        "event_rate": round(len(sent) / sending, 1) if sending > 0 else None,
        "expected": expected,
        "received": received,
        "lost": expected - received,
        "late": late,
        "duplicates": duplicates,
        "frames_per_s": round(received / delivering) if delivering > 0 else 0,
        "latency": summary_ms(latencies),
        "p99_all_ms": _p99_counting_lost(latencies, expected),
        "drain": drain_ending,
        "cpu": phase["cpu"],
        "closed_by_server": {str(code): closes.count(code) for code in set(closes)},
    }
    for key in ("save", "after_commit", "threads"):
        if key in phase:
            figures[key] = phase[key]
    return figures


def _p99_counting_lost(latencies, expected):
    """p99 over every expected (socket, event) pair, a lost one being infinitely
    late: None when more than 1 % never arrived."""
    rank = math.ceil(0.99 * expected)
    if rank == 0 or rank > len(latencies):
        return None
    return round(sorted(latencies)[rank - 1] / 1e6, 2)


def bound(figures, paced_by_source, server_label):
    """What limited a max phase's frames/s. The app's saves can be slower than
    delivery (then the save rate is the limit); the bare server paces itself on
    the client, so there only CPU decides."""
    if paced_by_source and figures["received"] >= KEPT_UP * figures["expected"] > 0:
        return "event source (save rate)"
    cpu = figures["cpu"]
    ours = {
        name: share for name, share in cpu.items() if name not in ("machine", "other")
    }
    busiest = max(ours, key=lambda name: ours[name])
    if ours[busiest] >= SATURATED:
        return f"{server_label if busiest == 'server' else busiest} CPU"
    if cpu["machine"] >= SATURATED * (os.cpu_count() or 1):
        return "all cores busy"
    label = server_label if busiest == "server" else busiest
    return f"no process saturated (busiest: {label} {ours[busiest]:.0%})"


class FanoutTarget:
    """Where a fan-out run connects, and what makes its events.

    ``source_pid`` is the process that makes the events when that is not the
    server itself (the bench process saving products); the bare server makes its
    own, paced by what the client takes.
    """

    def __init__(
        self, name, url, source, server_pid, server_label, source_pid=None, **client
    ):
        self.name = name
        self.server_label = server_label
        self.url = url
        self.source = source
        self.server_pid = server_pid
        self.source_pid = source_pid
        self.client = client  # origin, cookies


def measure(target, count, config, work_dir, watch=None, profile_path=None):
    """Steady then max phase for one target and one socket count. ``watch``
    names other processes whose CPU use is worth reporting (Redis, PostgreSQL);
    with ``profile_path``, py-spy samples the server during the max phase."""
    label = f"{target.name}-{count}"
    processes = {"server": target.server_pid, **(watch or {})}
    if target.source_pid is not None:
        processes["bench"] = target.source_pid
    # The app's steady phase can leave a backlog (frames still queued on the
    # server when the drain ends); closing the sockets drops it, so the max
    # phase gets a fresh client rather than inheriting the backlog.
    restarted = False
    wait_until_idle(target.server_pid)
    client = _client(target, label, count, work_dir)
    try:
        connect = client.ready
        if connect["connected"] == 0:
            raise BenchError(f"{target.name}: no socket connected: {connect}")
        processes["client"] = client.pid
        steady = run_phase(
            "steady", target.source, client, processes, config.seconds, config.rate
        )
        if steady["drain"] == "backlog":
            steady_results = client.finish()
            restarted = True
            wait_until_idle(target.server_pid)
            client = _client(target, label + "-max", count, work_dir)
            processes["client"] = client.pid
        profiler = None
        if profile_path is not None:
            profiler = Profiler(target.server_pid, config.seconds, profile_path)
        peak = run_phase(
            "max",
            target.source,
            client,
            processes,
            config.seconds,
            offered_rate(count) if target.source_pid is not None else None,
        )
        profile = profiler.finish() if profiler else None
        results = client.finish()
    finally:
        client.kill()
    steady_figures = analyse(steady, steady_results if restarted else results)
    max_figures = analyse(peak, results)
    max_figures["bound"] = bound(
        max_figures, target.source_pid is not None, target.server_label
    )
    return {
        "connect": connect,
        "steady": steady_figures,
        "max": max_figures,
        "profile": profile,
        "client_restarted_for_max": restarted,
        "event_frame_bytes": results.get("event_frame_bytes"),
        "other_frames": results.get("other_frames"),
        "messages": results.get("messages"),
        "events_received": sum(len(socket["ids"]) for socket in results["sockets"]),
    }


def _client(target, label, count, work_dir):
    return SocketClient(label, target.url, count, work_dir, **target.client)
