"""Processes the bench starts on loopback: Redis (if none answers), daphne, and
the line-driven helpers (socket client, bare websockets server)."""

import itertools
import os
import queue
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

import redis

# The loopback processes the tests start too (core/ is on the path: see run.py).
from core.testing.processes import (  # noqa: F401 (CORE_DIR re-exported)
    CORE_DIR,
    DaphneProcess,
    RedisServer,
    stop_process,
)

BENCH_DIR = Path(__file__).resolve().parent
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class BenchError(RuntimeError):
    """Something the bench needs did not work; the message says what."""


def raise_nofile_limit():
    """A thousand sockets per side need more descriptors than the usual soft 1024.
    Children inherit the raised limit; the Python helpers also raise their own."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def require_loopback(url, what):
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK_HOSTS:
        raise BenchError(f"{what} must point at 127.0.0.1, not {host!r}: {url}")


def pids_named(command):
    """Process ids whose command name is ``command`` (e.g. every postgres backend)."""
    pids = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if Path(entry.path, "comm").read_text().strip() == command:
                    pids.append(int(entry.name))
            except OSError:
                continue  # exited meanwhile
    return pids


def cpu_seconds(pid, with_children=False):
    """User + system CPU of a process (all its threads), from /proc; with its
    exited children's too, if asked (a server that forks a process per
    connection, like PostgreSQL, has them)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # After the command name, 1-based field numbers: state is 3, utime 14,
    # stime 15, cutime 16, cstime 17.
    ticks = int(fields[11]) + int(fields[12])
    if with_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLOCK_TICKS


def machine_busy_seconds():
    """CPU seconds spent by the whole machine (all cores, every process)."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / CLOCK_TICKS  # guest time is already in user


class CpuMeter:
    """CPU used over an interval, as a share of one core: per named process, the
    whole machine, and "other" (whatever else ran: another job on the machine
    makes every figure of that interval doubtful).

    A process is given by its pid, or by a command name for a family of processes
    such as PostgreSQL's: then the backends that exited meanwhile count through
    the parent's children's time.
    """

    def __init__(self, processes):
        self.processes = dict(processes)

    def _sample(self):
        sample = {}
        for name, process in self.processes.items():
            if isinstance(process, str):
                sample[name] = {
                    pid: cpu_seconds(pid, with_children=True)
                    for pid in pids_named(process)
                }
            else:
                sample[name] = {process: cpu_seconds(process)}
        return sample

    def __enter__(self):
        self.wall = time.monotonic()
        self.machine = machine_busy_seconds()
        self.before = self._sample()
        return self

    def __exit__(self, *exc):
        wall = time.monotonic() - self.wall
        shares = {}
        for name, after in self._sample().items():
            before = self.before[name]
            used = sum(
                seconds - (before.get(pid) or 0)
                for pid, seconds in after.items()
                if seconds is not None
            )
            if after:
                shares[name] = round(used / wall, 2)
        machine = (machine_busy_seconds() - self.machine) / wall
        other = max(0.0, machine - sum(shares.values()))
        self.shares = {**shares, "machine": round(machine, 2), "other": round(other, 2)}


def problem_lines(log):
    """Lines of a log that look like errors (tracebacks, ERROR, WARNING)."""
    markers = ("Traceback", "ERROR", "WARNING", "Error", "exception")
    return [line for line in log.splitlines() if any(m in line for m in markers)]


def log_tail(log, lines=40):
    return "\n".join(log.splitlines()[-lines:])


class LineChild:
    """A helper that takes commands on stdin and answers one line each on stdout.

    stdout is read by a thread into a queue, so every wait has a timeout even when
    the helper hangs. Its stderr goes to the log file.
    """

    def __init__(self, name, argv, log_path, env=None):
        self.name = name
        self.log_path = Path(log_path)
        self.lines: queue.Queue[Optional[str]] = queue.Queue()
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                argv,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                bufsize=1,
            )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    @property
    def pid(self):
        return self.process.pid

    def log_tail(self, lines=40):
        try:
            return log_tail(self.log_path.read_text(errors="replace"), lines)
        except OSError:
            return ""

    def _read(self):
        assert self.process.stdout is not None  # a pipe (see __init__)
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)  # end of output: the helper exited

    def send(self, line):
        assert self.process.stdin is not None  # a pipe (see __init__)
        try:
            self.process.stdin.write(line + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError) as error:
            raise BenchError(f"{self.name} is gone ({error})") from None

    def expect(self, word, timeout):
        """The rest of the next line that starts with ``word``."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BenchError(f"{self.name}: no {word!r} within {timeout:.0f} s")
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise BenchError(
                    f"{self.name} exited ({self.process.poll()}):\n{self.log_tail()}"
                )
            head, _, rest = line.partition(" ")
            if head == word:
                return rest

    def stop(self, grace=10):
        """Its stdin closed (the helper's cue to finish), then as any process."""
        if self.process.poll() is None:
            assert self.process.stdin is not None  # a pipe (see __init__)
            try:
                self.process.stdin.close()
            except (BrokenPipeError, OSError):
                pass
        stop_process(self.process, grace)


def python_helper(script):
    return [sys.executable, str(BENCH_DIR / script)]


# Redis -------------------------------------------------------------------------


def redis_answers(url):
    try:
        return redis.Redis.from_url(url, socket_timeout=1).ping()
    except (redis.RedisError, OSError):
        return False


def forget_redis_keys(url, prefix, limit=100_000):
    """Delete the keys under this run's own prefix once its servers are gone.

    Most expire by themselves, but channels-redis keeps a message being received
    in a ``...$inflight`` key with no expiry, which outlives a stopped daphne.
    """
    client = redis.Redis.from_url(url, socket_timeout=5)
    keys = list(
        itertools.islice(client.scan_iter(match=f"{prefix}*", count=1000), limit)
    )
    if keys:
        client.delete(*keys)


def redis_server_info(url):
    """Version and process id (to read its CPU use; it runs on this machine)."""
    info = redis.Redis.from_url(url, socket_timeout=2).info("server")
    return info["redis_version"], info["process_id"]


def find_or_start_redis(environ, work_dir, cleanup):
    """REDIS_URL if given, else the usual local Redis, else one of our own.

    A Redis we did not start is never flushed: channel-layer keys expire by
    themselves, and the bench's group and channel names are its own.
    """
    url = environ.get("REDIS_URL", "")
    if url:
        require_loopback(url, "REDIS_URL")
        if not redis_answers(url):
            raise BenchError(f"REDIS_URL={url} does not answer PING")
        return url, "given"
    url = "redis://127.0.0.1:6379/0"
    if redis_answers(url):
        return url, "local"
    binary = shutil.which("redis-server")
    if binary is None:
        raise BenchError("No Redis answers on 127.0.0.1:6379 and no redis-server")
    server = RedisServer(work_dir, binary=binary)
    cleanup.callback(server.stop)
    started(server)
    return server.url, "started"


# Daphne ------------------------------------------------------------------------


# daphne's own command line, in a process where ``import click`` fails. autobahn
# styles its debug-log arguments with click, for every frame, whenever click is
# importable (black brings it into the same environment): this variant shows what
# that costs.
WITHOUT_CLICK = (
    "import sys; sys.modules['click'] = None; "
    "from daphne.cli import CommandLineInterface; CommandLineInterface.entrypoint()"
)


def start_daphne(environ, work_dir, cleanup, without_click=False):
    """daphne on a free port (``.port``, ``.pid``, ``.log()``), stopped by
    ``cleanup``."""
    # -v 0: no access log. A line per request and per socket would cost daphne
    # time that the bench would then count as the app's; warnings still log.
    daphne = DaphneProcess(
        work_dir,
        args=["-v", "0"],
        environment=environ,
        launcher=["-c", WITHOUT_CLICK] if without_click else ["-m", "daphne"],
        name="daphne-without-click" if without_click else "daphne",
    )
    cleanup.callback(daphne.stop)
    return started(daphne, timeout=30)


def started(server, timeout=20):
    """``server.start()``, its failure told as a BenchError."""
    try:
        return server.start(timeout=timeout)
    except (RuntimeError, TimeoutError) as error:
        raise BenchError(f"{error}:\n{log_tail(server.log())}") from error


def wait_until_idle(pid, busy=0.15, calm_for=0.5, timeout=15):
    """Wait (bounded) until a process uses under ``busy`` of a core for
    ``calm_for`` seconds, so that one phase's leftovers do not run into the next."""
    deadline = time.monotonic() + timeout
    calm_since = None
    previous = cpu_seconds(pid)
    while time.monotonic() < deadline and previous is not None:
        time.sleep(0.2)
        current = cpu_seconds(pid)
        if current is None:
            return
        if (current - previous) / 0.2 < busy:
            calm_since = calm_since or time.monotonic()
            if time.monotonic() - calm_since >= calm_for:
                return
        else:
            calm_since = None
        previous = current
