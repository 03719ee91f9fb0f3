"""A real daphne for end-to-end tests: the shared runner
(``core.testing.processes``) on the test database pytest created, the test's
media folder and this run's channel prefix. And Chromium, for the browser tests."""

import os
from contextlib import asynccontextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from core.testing.processes import DaphneProcess

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


class Daphne(DaphneProcess):
    """``with Daphne(tmp_path) as server: server.url``: one daphne on a free
    loopback port. ``port``: a given one (a restart). ``args``: more daphne
    options. ``environment``: extra variables for the server (settings read
    them), e.g. a broken ``REDIS_URL`` or another ``MEDIA_ROOT``."""

    # Where a shared module server keeps its uploads (``module_daphne``).
    media_root: Path

    def __init__(self, log_dir, port=None, args=(), **environment):
        super().__init__(log_dir, port=port, args=args)
        self.extra_environment = environment

    def environment(self):
        return {
            **super().environment(),
            "DJANGO_SETTINGS_MODULE": "core.settings.test",
            "LIVE_SERVER_DATABASE": str(connection.settings_dict["NAME"]),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
            "REDIS_URL": os.environ.get("REDIS_URL", ""),
            "CHANNEL_PREFIX": settings.CHANNEL_PREFIX,
            **self.extra_environment,
        }
