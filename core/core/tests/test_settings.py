"""Configuration: environment switches and production safety."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings.base import channel_layer_config, database_config

CORE_DIR = Path(__file__).resolve().parents[2]


def test_an_empty_database_url_means_the_sqlite_default():
    assert database_config("")["ENGINE"] == "django.db.backends.sqlite3"


def test_a_postgres_url_selects_psycopg():
    config = database_config("postgres://shop:secret@db:5432/shop")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["NAME"], config["USER"]) == ("db", "shop", "shop")


def test_an_empty_redis_url_means_the_in_memory_layer():
    assert channel_layer_config("")["BACKEND"].endswith("InMemoryChannelLayer")


def test_redis_hosts_never_time_out_idle_consumers():
    config = channel_layer_config("redis://cache:6379/0", prefix="shop")
    assert config["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    assert config["CONFIG"]["prefix"] == "shop"
    [host] = config["CONFIG"]["hosts"]
    assert (host["address"], host["socket_timeout"]) == ("redis://cache:6379/0", None)


def manage(*args, **env):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "core.settings.prod",
        "ALLOWED_HOSTS": "shop.example.com",
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=CORE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("secret", ["", "dev-insecure-key-change-me", "short"])
def test_production_refuses_a_default_or_weak_secret_key(secret):
    result = manage("check", SECRET_KEY=secret)
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


STRONG_KEY = "x" * 30 + "-Kq8!vZ2#pL0@wR7$tY4^uI1&oP9*aS"


def test_production_passes_the_deployment_checks():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=STRONG_KEY,
        BEHIND_PROXY="true",
    )
    assert result.returncode == 0, result.stderr


def test_the_deployment_checks_warn_when_the_proxy_headers_are_not_declared():
    result = manage("check", "--deploy", SECRET_KEY=STRONG_KEY, BEHIND_PROXY="false")
    assert "accounts.W001" in result.stderr
    assert "--proxy-headers" in result.stderr


def test_the_bench_settings_pass_the_system_checks(tmp_path):
    """make bench runs them first (bench/database.py): a model Django refuses
    (an index name over 30 characters) stops it."""
    # The libraries the bench compares with: bench/requirements.txt.
    pytest.importorskip("simple_history")
    pytest.importorskip("auditlog")
    result = manage(
        "check",
        DJANGO_SETTINGS_MODULE="core.settings.bench",
        BENCH_SQLITE_PATH=str(tmp_path / "bench.sqlite3"),
        DATABASE_URL="",
        PYTHONPATH=str(CORE_DIR.parent),
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_previews_wait_in_the_projects_own_data_folder():
    # They waited in the system's temporary folder, shared with every program
    # and user of the machine.
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DATA_DIR", "IMPORT_PENDING_DIR")
    }
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "from core.settings import base as b;"
            "print(b.IMPORT_PENDING_DIR); print(b.MEDIA_ROOT)",
        ],
        cwd=CORE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    pending_dir, media_root = map(Path, shown.stdout.split())

    assert pending_dir == CORE_DIR / "data" / "pending-imports"
    assert not pending_dir.is_relative_to(media_root)  # media is served
