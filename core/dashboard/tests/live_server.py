"""Real daphne processes for end-to-end tests, started as subprocesses.

A subprocess rather than a fork: a daphne forked after async tests ran hangs on
socket connects (asgiref's executor does not survive the fork). The child opens
the test database pytest created, whose name it gets through the environment.
"""

import os
import socket
import subprocess
import sys
import time
from contextlib import asynccontextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

CORE_DIR = Path(__file__).resolve().parents[2]

# Debian's Chromium, for the browser tests (Playwright's async API).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@asynccontextmanager
async def chromium():
    """``async with chromium() as browser``: headless Chromium under Playwright."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS
        )
        try:
            yield browser
        finally:
            await browser.close()


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


class Daphne:
    """``with Daphne() as server: server.url``: one daphne on a free loopback port."""

    def __init__(self, log_dir, port=None, args=(), **environment):
        """``port``: a given one (a restart), else a free one. ``args``: more
        daphne options (``--proxy-headers``...). ``environment``: extra
        variables for the server (settings read them)."""
        self.extra_environment = environment
        self.args = list(args)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_dir) / f"daphne-{self.port}-{time.monotonic_ns()}.log"
        self.process = None

    def environment(self):
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "core.settings.test",
            "LIVE_SERVER_DATABASE": str(connection.settings_dict["NAME"]),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
            "REDIS_URL": os.environ.get("REDIS_URL", ""),
            "CHANNEL_PREFIX": settings.CHANNEL_PREFIX,
            "PYTHONUNBUFFERED": "1",
            **self.extra_environment,
        }

    def start(self):
        log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                *self.args,
                "core.asgi:application",
            ],
            cwd=CORE_DIR,
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        wait_for_port(self.port, self.process)
        return self

    def stop(self, grace=10):
        """SIGTERM, then SIGKILL after ``grace`` seconds."""
        if self.process:
            stop_process(self.process, grace)

    def log(self):
        return self.log_path.read_text() if self.log_path.exists() else ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
