"""Servers started on loopback as subprocesses, for the tests and the bench.

A subprocess rather than a fork: a daphne forked after async tests ran hangs on
socket connects (asgiref's executor does not survive the fork). Nothing here
imports Django: the caller says what environment a server gets.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

# The Django project root (manage.py), where daphne finds core.asgi.
CORE_DIR = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, process, name="daphne", timeout=20):
    """Until ``process`` listens on ``port``; RuntimeError if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode} at start")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{name} did not listen on port {port} within {timeout} s")


def stop_process(process, grace=10):
    """SIGTERM, then SIGKILL after ``grace`` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Server:
    """A subprocess listening on a loopback port, its output in a log file:
    ``with Server(...) as server`` or ``start()`` / ``stop()``."""

    name = "server"

    def __init__(self, log_dir, port=None):
        """``port``: a given one (a restart), else a free one."""
        self.port = port or free_port()
        self.log_path = (
            Path(log_dir) / f"{self.name}-{self.port}-{time.monotonic_ns()}.log"
        )
        self.process = None

    def command(self):
        raise NotImplementedError

    def popen_options(self):
        return {}

    def start(self, timeout=20):
        # Appended to: a restarted server keeps one log.
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                **self.popen_options(),
            )
        wait_for_port(self.port, self.process, name=self.name, timeout=timeout)
        return self

    @property
    def pid(self):
        assert self.process is not None, "not started"
        return self.process.pid

    def stop(self, grace=10):
        """SIGTERM, then SIGKILL after ``grace`` seconds."""
        if self.process is not None:
            stop_process(self.process, grace)

    def log(self):
        return (
            self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        )

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def kill(self):
        """As a crash would: SIGKILL, no goodbye to the clients."""
        assert self.process is not None, "not started"
        self.process.kill()
        self.process.wait()


class DaphneProcess(Server):
    """daphne serving ``core.asgi:application`` on 127.0.0.1.

    ``environment``: the server's variables (settings read them), the current
    process's if not given. ``args``: more daphne options (``--proxy-headers``,
    ``-v 0``...). ``launcher``: what follows the interpreter, ``-m daphne``
    unless another entry point is wanted.
    """

    name = "daphne"

    def __init__(
        self,
        log_dir,
        port=None,
        args=(),
        environment=None,
        launcher=("-m", "daphne"),
        name=None,
    ):
        self.name = name or self.name
        super().__init__(log_dir, port)
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = list(args)
        self.launcher = list(launcher)
        self._environment = environment

    def environment(self):
        base = os.environ if self._environment is None else self._environment
        return {**base, "PYTHONUNBUFFERED": "1"}

    def command(self):
        return [
            sys.executable,
            *self.launcher,
            "-b",
            "127.0.0.1",
            "-p",
            str(self.port),
            *self.args,
            "core.asgi:application",
        ]

    def popen_options(self):
        return {"cwd": CORE_DIR, "env": self.environment()}


class RedisServer(Server):
    """A redis-server of its own that keeps nothing on disk: after a restart it
    is empty, as a real Redis without persistence comes back."""

    name = "redis-server"

    def __init__(self, log_dir, port=None, binary="redis-server"):
        super().__init__(log_dir, port)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.binary = binary

    def command(self):
        return [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
