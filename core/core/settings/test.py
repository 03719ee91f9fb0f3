"""Test settings: fast hashing, a file SQLite test database so a live server works."""

import os
from pathlib import Path

from .base import *  # noqa: F401,F403
from .base import DATABASES, PROJECT_DIR, REDIS_URL, channel_layer_config, env

DEBUG = False
SECRET_KEY = "test-only-secret-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=PROJECT_DIR / ".test-media")
DATA_DIR = env.path("DATA_DIR", default=PROJECT_DIR / ".test-data")
IMPORT_PENDING_DIR = env.path(
    "IMPORT_PENDING_DIR", default=Path(DATA_DIR) / "pending-imports"
)
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None  # served from the app folders; no collectstatic in tests
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# A live daphne (browser and multi-process tests) must open the same test database
# as the test process: a file for SQLite (not in-memory), and one explicit name for
# PostgreSQL (Channels' live-server helper would otherwise prefix "test_" twice).
# The SQLite file is per run, so two test runs on one checkout do not collide.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {
        "NAME": str(PROJECT_DIR / f"test-db-{os.getpid()}.sqlite3")
    }
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}"}
    # Connections end with their request, as before the default kept them: a
    # daphne a test starts leaves none behind on the test database it drops.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)

# A daphne started by a test (browser and multi-process tests) must use the test
# database that pytest created; the test passes its name down in this variable.
_live_database = env("LIVE_SERVER_DATABASE", default="")
if _live_database:
    DATABASES["default"]["NAME"] = _live_database

# Test runs sharing one Redis (and the daphne processes a run starts, which get
# the prefix through the environment) must not hear each other's feeds.
CHANNEL_PREFIX = env("CHANNEL_PREFIX", default=f"shop-test-{os.getpid()}")
CHANNEL_LAYERS = {"default": channel_layer_config(REDIS_URL, CHANNEL_PREFIX)}

# Client.login() authenticates without a request, which axes refuses; tests that
# use it get through, while every login through a page is still counted.
AUTHENTICATION_BACKENDS = [
    "accounts.tests.backends.RequestlessLoginBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# No recount thread in the daphne processes tests start: a test runs one itself.
STOCK_COUNTS_CHECK_SECONDS = 0
