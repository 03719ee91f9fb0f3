"""A redis-server of the test's own, on a free port, that the test may kill."""

import subprocess
from pathlib import Path

from .live_server import free_port, stop_process, wait_for_port


class PrivateRedis:
    """Keeps nothing on disk: after ``restart()`` it is empty, as a real Redis
    without persistence comes back."""

    def __init__(self, log_dir):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_path = Path(log_dir) / f"redis-{self.port}.log"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--logfile",
                str(self.log_path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, self.process, name="redis-server")
        return self

    def kill(self):
        """As a crash would: SIGKILL, no goodbye to the clients."""
        self.process.kill()
        self.process.wait()

    def stop(self):
        if self.process is not None:
            stop_process(self.process, grace=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
