"""Benchmark settings (``make bench``): production-like, on a throwaway database.

``bench/run.py`` points ``DATABASE_URL`` at a database it creates for the run, or,
for SQLite, ``BENCH_SQLITE_PATH`` at a file in a temporary folder.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import CHANNEL_LAYERS, DATABASES, INSTALLED_APPS, LOGGING, env

DEBUG = False
SECRET_KEY = "bench-only-secret-key-never-used-outside-the-benchmark"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# Fast logins: the bench creates up to a thousand sessions.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Static files straight from the app folders, so no collectstatic is needed.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The write path is compared with these history libraries on models of their own
# (bench/requirements.txt, bench/comparison); the app never installs them.
INSTALLED_APPS = [*INSTALLED_APPS, "simple_history", "auditlog", "bench.comparison"]

# The app logs every announced change at INFO; under load that is noise and time.
LOGGING = {
    **LOGGING,
    "loggers": {
        "products": {"level": "WARNING"},
        "dashboard": {"level": "WARNING"},
    },
}

# A Redis on this machine may also carry other runs' feeds (a test suite, the dev
# server): the bench's keys and groups get a prefix of their own.
if "CONFIG" in CHANNEL_LAYERS["default"]:
    CHANNEL_LAYERS = {
        "default": {
            **CHANNEL_LAYERS["default"],
            "CONFIG": {
                **CHANNEL_LAYERS["default"]["CONFIG"],
                "prefix": env("BENCH_CHANNEL_PREFIX", default="bench"),
            },
        }
    }

# Never the developer's core/db.sqlite3: the bench drops and refills its database.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    _sqlite_path = env("BENCH_SQLITE_PATH", default="")
    if not _sqlite_path:
        raise ImproperlyConfigured(
            "core.settings.bench needs BENCH_SQLITE_PATH (or a DATABASE_URL); "
            "run it through bench/run.py."
        )
    DATABASES["default"]["NAME"] = _sqlite_path
