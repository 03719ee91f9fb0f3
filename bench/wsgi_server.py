"""gunicorn serving the app over WSGI (bench/wsgi.py), to compare the catalog's
requests/s under daphne with the classic deployment in the same run."""

import sys
import time
from pathlib import Path

from core.testing.processes import Server

from .services import BENCH_DIR, BenchError, started

# One process, as daphne is one: threads so that keep-alive connections from
# several clients are served at once (gunicorn's sync worker closes each one).
GUNICORN_OPTIONS = ("--workers", "1", "--worker-class", "gthread")


class GunicornProcess(Server):
    name = "gunicorn"

    def __init__(self, log_dir, environment, threads):
        super().__init__(log_dir)
        self.environment = environment
        self.threads = threads

    def command(self):
        return [
            sys.executable,
            "-m",
            "gunicorn",
            *GUNICORN_OPTIONS,
            "--threads",
            str(self.threads),
            "--bind",
            f"127.0.0.1:{self.port}",
            # No access log, as daphne runs with -v 0.
            "--log-level",
            "warning",
            "bench.wsgi:application",
        ]

    @property
    def worker_pid(self):
        """The worker's process id: the one serving requests, whose CPU counts
        (the master only watches it)."""
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text()
            if children.split():
                return int(children.split()[0])
            time.sleep(0.1)
        raise BenchError("gunicorn started no worker within 15 s")

    def popen_options(self):
        return {"cwd": BENCH_DIR.parent, "env": {**self.environment}}


def start_gunicorn(environment, work_dir, cleanup, threads):
    server = GunicornProcess(work_dir, environment, threads)
    cleanup.callback(server.stop)
    return started(server, timeout=30)
