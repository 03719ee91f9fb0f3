"""Public fan-out across processes (``--phases public-cluster``): the live
catalog's anonymous sockets (``ws/catalog/``, 10,000 by default) split by nginx
over N daphne processes, against the bench's single daphne, in the same run.

Each shape gets the same socket clients and the same price changes, saved one at
a time (each once the one before has reached every socket, so that no change
queues behind another):

- *1 process*: the daphne the public phase measures, the sockets straight to it;
- *N processes*: N more daphne processes (``--proxy-headers``, as ``deploy/``
  runs them) on the bench's database and Redis, behind Debian's nginx with
  ``deploy/nginx``'s configuration, the sockets opened through nginx's port and
  spread over the processes by it (``least_conn``).

For each: how many sockets each process holds (its established connections, from
``/proc/net/tcp``), its idle CPU and resident memory with every socket open, and
the commit -> frame latency of every (socket, change) pair, with the time each
change took to reach the last socket. A change reaches a process's sockets
through Redis (the channel layer), which is what several processes need.
"""

import os
import re
import resource
import time
from pathlib import Path
from urllib.parse import urlencode

from core.testing.processes import DaphneProcess
from core.testing.proxy import PROXY_HEADERS, Nginx, nginx_binary

from . import fanout
from .overload import rss_kib
from .services import (
    BenchError,
    CpuMeter,
    problem_lines,
    started,
    wait_until_idle,
)
from .stats import summary_ms

SOCKETS = 10_000
PROCESSES = 2
# Socket client processes per shape (the same for both): parsing 10,000 frames
# a change is work of its own, which two processes can share.
CLIENTS = 2
CHANGES = 20
# Each change is saved once the previous one reached every socket (or this long
# passed), then this pause: a change never queues behind the one before, so
# its figure is one change's, whatever the machine's speed.
CHANGE_TIMEOUT_SECONDS = 10.0
CHANGE_GAP_SECONDS = 0.5
POLL_SECONDS = 0.02
# Idle CPU: daphne pings a socket after 20 s of silence, so a window of half of
# that sees about half of the pings of sockets opened at different times.
IDLE_SECONDS = 10.0
# Descriptors of an nginx worker beyond its connections (log files, listeners,
# the channel to the master).
NGINX_SPARE_FILES = 64
# Linux's /proc/net/tcp state of an established connection.
ESTABLISHED = "01"


# Pure parts (bench/tests/test_public_cluster.py) ------------------------------


def split(total, parts):
    """``total`` sockets over ``parts`` clients, as evenly as whole numbers go."""
    parts = max(1, min(parts, total))
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def nginx_limits(sockets, hard_limit):
    """``worker_connections`` and ``worker_rlimit_nofile`` for an nginx holding
    ``sockets`` proxied WebSockets. Each takes two connections (the client's and
    the one to daphne), and one worker may end up with all of them; a worker
    cannot raise its open-files limit past the hard limit it inherits."""
    wanted = 2 * sockets + 1024
    files = wanted + NGINX_SPARE_FILES
    if hard_limit is not None and hard_limit != resource.RLIM_INFINITY:
        files = min(files, hard_limit)
    return {
        "worker_connections": files - NGINX_SPARE_FILES,
        "worker_rlimit_nofile": files,
    }


WORKER_CONNECTIONS = re.compile(r"^(\s*worker_connections\s+)\d+(\s*;)", re.MULTILINE)


def with_worker_connections(config_text, count):
    """deploy's nginx.conf with its ``worker_connections`` raised to ``count``
    (never lowered)."""
    found = WORKER_CONNECTIONS.findall(config_text)
    if len(found) != 1:
        raise ValueError("nginx.conf: expected one worker_connections directive")

    def replace(match):
        current = int(match.group(0).split()[1].rstrip(";"))
        return f"{match.group(1)}{max(current, count)}{match.group(2)}"

    return WORKER_CONNECTIONS.sub(replace, config_text)


def established_to_ports(tcp_table, ports):
    """Established connections whose local port is one of ``ports`` (the
    servers' side of each socket) and that a process holds (an inode: not one
    still waiting in the listen queue), per port, from /proc/net/tcp's text."""
    counts = {port: 0 for port in ports}
    for line in tcp_table.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10 or fields[3] != ESTABLISHED or fields[9] == "0":
            continue
        port = int(fields[1].rsplit(":", 1)[1], 16)
        if port in counts:
            counts[port] += 1
    return counts


def reach_all(events, sockets, start_ns, end_ns):
    """For each change (``[id, commit ns]``), the time until the last of
    ``sockets`` (the client's records) had it, in ms; None when one never did
    by ``end_ns``."""
    latest = {event_id: start_ns for event_id, _ in events}
    missing = {event_id: len(sockets) for event_id, _ in events}
    for record in sockets:
        seen = set()
        for event_id, received in zip(record["ids"], record["times"]):
            if event_id not in latest or event_id in seen or received > end_ns:
                continue
            seen.add(event_id)
            missing[event_id] -= 1
            latest[event_id] = max(latest[event_id], received)
    return [
        None if missing[event_id] else round((latest[event_id] - sent) / 1e6, 2)
        for event_id, sent in events
    ]


def reach_all_summary(times):
    """p50 / max over the changes that reached every socket, and how many did not."""
    reached = [ms for ms in times if ms is not None]
    figures = summary_ms([ms * 1e6 for ms in reached])
    return {
        "p50_ms": figures["p50_ms"],
        "max_ms": figures["max_ms"],
        "changes": len(times),
        "not_everywhere": len(times) - len(reached),
    }


def cpu_per_frame(shares, seconds, frames):
    """CPU time per delivered frame, in microseconds, by role: the daphnes,
    nginx's workers and the clients summed (``daphne-1``, ``daphne-2``... are
    one role), the rest as named; the machine's total and others left out."""
    if not frames:
        return {}
    roles: dict[str, float] = {}
    for name, share in shares.items():
        if name in ("machine", "other"):
            continue
        role = name.split("-")[0]
        roles[role] = roles.get(role, 0) + share
    return {
        role: round(share * seconds * 1e6 / frames, 1) for role, share in roles.items()
    }


# Processes ---------------------------------------------------------------------


def children(pid):
    """Process ids of ``pid``'s children (nginx's workers), from /proc."""
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    return found


def nginx_workers(nginx, timeout=10):
    """The workers' process ids, once nginx has started them: it listens before
    it forks them, and ``worker_processes auto`` starts one per usable core."""
    expected = len(os.sched_getaffinity(0))
    deadline = time.monotonic() + timeout
    while True:
        workers = children(nginx.pid)
        if len(workers) >= expected or time.monotonic() > deadline:
            return workers
        time.sleep(0.05)


def mib(kib):
    return None if kib is None else round(kib / 1024, 1)


class BenchNginx(Nginx):
    """deploy's nginx with room for ``sockets`` WebSockets: its
    ``worker_connections`` and open-files limit raised (deploy's 4096 per worker
    holds about 2,000 proxied sockets), and ``reuseport``, so that the kernel
    spreads the connections evenly over the workers."""

    def __init__(self, directory, backends, static_root, sockets):
        super().__init__(directory, backends, static_root)
        self.limits = nginx_limits(
            sockets, resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        )

    def prepare(self):
        super().prepare()
        config = self.dir / "nginx.conf"
        config.write_text(
            with_worker_connections(
                config.read_text(), self.limits["worker_connections"]
            )
        )
        (self.dir / "listen.conf").write_text(
            f"listen 127.0.0.1:{self.port} reuseport;\n"
        )

    def command(self):
        command = super().command()
        # -g's directives are the last argument.
        command[-1] += f" worker_rlimit_nofile {self.limits['worker_rlimit_nofile']};"
        return command


def start_cluster(environment, processes, sockets, work_dir, cleanup):
    """N daphne processes behind nginx, stopped by ``cleanup`` (nginx first)."""
    if nginx_binary() is None:
        raise BenchError("nginx is not installed (Debian: apt-get install nginx)")
    environment = {**environment, "BEHIND_PROXY": "true"}
    daphnes = []
    for number in range(1, processes + 1):
        daphne = DaphneProcess(
            work_dir,
            # -v 0: no access log, as the bench's own daphne.
            args=[*PROXY_HEADERS, "-v", "0"],
            environment=environment,
            name=f"daphne-cluster-{number}",
        )
        cleanup.callback(daphne.stop)
        daphnes.append(started(daphne, timeout=30))
    static = Path(work_dir) / "cluster-static"  # bench settings: no STATIC_ROOT
    static.mkdir(exist_ok=True)
    nginx = BenchNginx(
        Path(work_dir) / "nginx",
        [f"127.0.0.1:{daphne.port}" for daphne in daphnes],
        static,
        sockets,
    )
    cleanup.callback(nginx.stop)
    started(nginx)
    return daphnes, nginx


class LogProblems:
    """Warning and error lines the daphnes log, counted per step: ``mark(step)``
    counts what came since the last mark (lines, and the last one)."""

    def __init__(self, daphnes):
        self.daphnes = daphnes
        self.seen = self._problems()
        self.counts = {}

    def _problems(self):
        return [problem_lines(daphne.log()) for daphne in self.daphnes]

    def mark(self, step):
        now = self._problems()
        new = [lines[len(seen) :] for lines, seen in zip(now, self.seen)]
        self.seen = now
        found = [line for lines in new for line in lines]
        if found:
            self.counts[step] = {"lines": len(found), "last": found[-1]}


class SocketClients:
    """Several ``fanout.SocketClient`` processes as one (stats summed, results
    joined), so that ``fanout.run_phase`` and ``fanout.analyse`` take them."""

    def __init__(self, label, url, count, clients, work_dir, origin):
        self.clients = []
        try:
            for number, share in enumerate(split(count, clients), 1):
                self.clients.append(
                    fanout.SocketClient(
                        f"{label}-{number}",
                        url,
                        share,
                        work_dir,
                        origin=origin,
                        # Ten thousand handshakes through one proxy: wait longer.
                        timeout=60,
                    )
                )
        except BaseException:
            self.kill()
            raise
        readies = [client.ready for client in self.clients]
        failures: dict[str, int] = {}
        for ready in readies:
            for reason, number in ready["failures"].items():
                failures[reason] = failures.get(reason, 0) + number
        self.ready = {
            "connected": sum(ready["connected"] for ready in readies),
            "failures": failures,
            "seconds": round(sum(ready["seconds"] for ready in readies), 2),
        }

    @property
    def pids(self):
        return {f"client-{n}": c.pid for n, c in enumerate(self.clients, 1)}

    def stats(self):
        each = [client.stats() for client in self.clients]
        return {
            "frames": sum(s["frames"] for s in each),
            "open": sum(s["open"] for s in each),
            "other": sum(s["other"] for s in each),
            "last_rx": max(s["last_rx"] for s in each),
        }

    def finish(self):
        each = [client.finish() for client in self.clients]
        return {
            "sockets": [record for result in each for record in result["sockets"]],
            "event_frame_bytes": next(
                (r["event_frame_bytes"] for r in each if r["event_frame_bytes"]), None
            ),
            "messages": sum(r["messages"] for r in each),
            "other_frames": sum(r["other_frames"] for r in each),
        }

    def kill(self):
        for client in self.clients:
            client.kill()


# The phase ---------------------------------------------------------------------


def changes_one_at_a_time(source, clients, processes, config):
    """``config.cluster_changes`` saves, each once the one before reached every
    open socket: a phase as ``fanout.run_phase`` returns it, for ``analyse``."""
    before = clients.stats()
    target = before["frames"]

    def reached():
        nonlocal target
        target += before["open"]
        deadline = time.monotonic() + CHANGE_TIMEOUT_SECONDS
        while time.monotonic() < deadline and clients.stats()["frames"] < target:
            time.sleep(POLL_SECONDS)
        time.sleep(CHANGE_GAP_SECONDS)

    with CpuMeter(processes) as cpu:
        phase = source.one_at_a_time(config.cluster_changes, reached)
        everything = before["frames"] + len(phase["events"]) * before["open"]
        phase["drain"] = fanout.drain(clients, everything)
        phase["end_ns"] = time.monotonic_ns()
    phase["sockets"] = before["open"]
    phase["cpu"] = cpu.shares
    return phase


def catalog_url(port, product_ids):
    query = urlencode([("p", pk) for pk in product_ids])
    return f"ws://127.0.0.1:{port}/ws/catalog/?{query}"


def measure(config, work_dir, cleanup, environment, single, products, watch, source):
    """Both shapes at ``config.cluster_sockets`` sockets: ``single`` (the bench's
    daphne) first, then ``config.cluster_processes`` processes behind nginx."""
    sockets = config.cluster_sockets
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if limit < sockets + 1000:
        raise BenchError(
            f"the open-files limit ({limit}) is too low for {sockets:,} sockets in "
            "one process: run with fewer (--cluster-sockets)"
        )
    product_ids = [product.pk for product in products]
    results = {
        "sockets": sockets,
        "changes": config.cluster_changes,
        "gap_s": CHANGE_GAP_SECONDS,
        "clients": CLIENTS,
    }
    results["single"] = measure_shape(
        "direct",
        catalog_url(single.port, product_ids),
        f"http://127.0.0.1:{single.port}",
        [single],
        {},
        config,
        work_dir,
        watch,
        source,
    )
    daphnes, nginx = start_cluster(
        environment, config.cluster_processes, sockets, work_dir, cleanup
    )
    try:
        workers = nginx_workers(nginx)
        results["nginx"] = {**nginx.limits, "workers": len(workers)}
        results["cluster"] = measure_shape(
            "nginx",
            catalog_url(nginx.port, product_ids),
            f"http://127.0.0.1:{nginx.port}",
            daphnes,
            {f"nginx-{n}": pid for n, pid in enumerate(workers, 1)},
            config,
            work_dir,
            watch,
            source,
        )
    finally:
        nginx.stop()
        for daphne in daphnes:
            daphne.stop()
    return results


def measure_shape(
    through, url, origin, daphnes, proxy, config, work_dir, watch, source
):
    """One shape: the sockets opened through ``url`` ("direct" to a daphne or
    "nginx"), ``proxy`` the pids of nginx's workers."""
    pids = {f"daphne-{n}": daphne.pid for n, daphne in enumerate(daphnes, 1)}
    for pid in pids.values():
        wait_until_idle(pid)
    rss_before = {label: rss_kib(pid) for label, pid in pids.items()}
    logs = LogProblems(daphnes)
    clients = SocketClients(
        f"{through}-{len(daphnes)}-{config.cluster_sockets}",
        url,
        config.cluster_sockets,
        CLIENTS,
        work_dir,
        origin,
    )
    try:
        logs.mark("connecting")
        if clients.ready["connected"] == 0:
            raise BenchError(f"{through}: no socket connected: {clients.ready}")
        held = established_to_ports(
            Path("/proc/net/tcp").read_text(), [daphne.port for daphne in daphnes]
        )
        for pid in pids.values():
            wait_until_idle(pid)
        processes = {**pids, **proxy, **clients.pids, **(watch or {})}
        with CpuMeter(processes) as idle:
            time.sleep(IDLE_SECONDS)
        rss_idle = {label: rss_kib(pid) for label, pid in pids.items()}
        phase = changes_one_at_a_time(
            source, clients, {**processes, "bench": os.getpid()}, config
        )
        rss_after = {label: rss_kib(pid) for label, pid in pids.items()}
        logs.mark("idle and changes")
        results = clients.finish()
    finally:
        clients.kill()
    for pid in pids.values():
        wait_until_idle(pid)
    logs.mark("closing")
    figures = fanout.analyse(phase, results)
    # Its "server" is one process; the daphnes' CPU per frame is worked out below.
    del figures["server_us_per_frame"]
    reach = reach_all(
        phase["events"], results["sockets"], phase["start_ns"], phase["end_ns"]
    )
    seconds = (phase["end_ns"] - phase["start_ns"]) / 1e9
    per_process = []
    for daphne, label in zip(daphnes, pids):
        before, idle_kib = rss_before[label], rss_idle[label]
        count = held[daphne.port]
        per_process.append(
            {
                "process": label,
                "sockets": count,
                "idle_cpu": idle.shares.get(label),
                "changes_cpu": phase["cpu"].get(label),
                "rss_mib_before": mib(before),
                "rss_mib_idle": mib(idle_kib),
                "rss_mib_after_changes": mib(rss_after[label]),
                "kib_per_socket": (
                    round((idle_kib - before) / count, 1)
                    if count and idle_kib and before
                    else None
                ),
            }
        )
    return {
        "processes": len(daphnes),
        "through": through,
        "connect": clients.ready,
        "per_process": per_process,
        "idle_seconds": IDLE_SECONDS,
        "idle_cpu": idle.shares,
        "delivery": figures,
        "reach_all_ms": reach,
        "reach_all": reach_all_summary(reach),
        "us_per_frame": cpu_per_frame(phase["cpu"], seconds, figures["received"]),
        "event_frame_bytes": results.get("event_frame_bytes"),
        # Warning and error lines the daphnes logged, per step of the shape.
        "log_problems": logs.counts,
    }
