"""Test layers, and the shared fixtures when Django is there.

Every test is in one layer, the heaviest thing it needs, marked here so that
``-m unit`` (or ``db``, ``socket``, ``browser``) runs one layer. ``redis`` marks
what only the Redis channel layer can show: skipped, with the reason, without
``REDIS_URL``.

Nothing here imports Django: ``pytest -p no:django core/products/tests/
test_changes.py`` runs the pure tests without it. With pytest-django (the
default), ``core/testing/fixtures.py`` brings users, clients, media and servers.
"""

import os

import pytest

from core.testing.images import make_image_bytes  # noqa: F401 (tests import it)

DJANGO_FIXTURES = "core.testing.fixtures"

# Heaviest first: a test is in the first layer it needs.
LAYERS = ("browser", "socket", "db")
# Fixtures that put a test in a layer, wherever in its closure they appear.
LAYER_FIXTURES = {
    "browser": {"module_chromium"},
    "socket": {"start_daphne", "module_daphne", "daphne", "open_feed", "open_live"},
    "db": {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    },
}


def pytest_addoption(parser, pluginmanager):
    if not pluginmanager.has_plugin("django"):
        # Read by pytest-django; without it, say so rather than warn.
        parser.addini("DJANGO_SETTINGS_MODULE", "pytest-django's (not loaded)")


def pytest_configure(config):
    if config.pluginmanager.has_plugin("django"):
        config.pluginmanager.import_plugin(DJANGO_FIXTURES)


def layer_of(item):
    needed = set(getattr(item, "fixturenames", ()))
    for layer in LAYERS:
        if item.get_closest_marker(layer) or needed & LAYER_FIXTURES[layer]:
            return layer
        if layer == "db" and item.get_closest_marker("django_db"):
            return layer
    return "unit"


def pytest_collection_modifyitems(config, items):
    redis_url = os.environ.get("REDIS_URL")
    for item in items:
        item.add_marker(layer_of(item))
        redis = item.get_closest_marker("redis")
        if redis and not redis_url:
            why = redis.kwargs.get("reason", "a property of the Redis channel layer")
            item.add_marker(pytest.mark.skip(reason=f"needs REDIS_URL: {why}"))
