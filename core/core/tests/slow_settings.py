"""Test settings plus slow pages (core.tests.slow_urls), for the shutdown test."""

from core.settings.test import *  # noqa: F401,F403

ROOT_URLCONF = "core.tests.slow_urls"
