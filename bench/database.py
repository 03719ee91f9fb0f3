"""The bench's own database: a fresh ``shop_bench`` on the PostgreSQL server of
``DATABASE_URL``, or a fresh SQLite file in the run's temporary folder."""

import os
import sqlite3
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from .services import CORE_DIR, BenchError, require_loopback

BENCH_DATABASE = "shop_bench"


def _maintenance_connection(url):
    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    )


def _recreate(url, name):
    with _maintenance_connection(url) as connection:
        # FORCE: a run killed halfway may have left daphne connections behind.
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            )
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _drop(url, name):
    with _maintenance_connection(url) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            )
        )


def prepare(environ, work_dir, cleanup, name=BENCH_DATABASE):
    """Create the database ``name`` (PostgreSQL; dropped first if it exists, and
    again at the end); return the environment that points Django at it.

    The variables are set for every process (bench and daphne) explicitly, so an
    ``env/.env.dev`` cannot send the bench to another database.
    """
    url = environ.get("DATABASE_URL", "")
    if not url:
        path = Path(work_dir) / "bench.sqlite3"
        return {"DATABASE_URL": "", "BENCH_SQLITE_PATH": str(path)}
    if not urlsplit(url).scheme.startswith("postgres"):
        raise BenchError(f"DATABASE_URL must be postgres://... (got {url})")
    require_loopback(url, "DATABASE_URL")
    try:
        _recreate(url, name)
    except psycopg.Error as error:
        raise BenchError(f"Could not create {name}: {error}") from None
    cleanup.callback(_drop, url, name)
    bench_url = urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    return {"DATABASE_URL": bench_url, "BENCH_SQLITE_PATH": ""}


def setup_django(environ):
    """Django in this process, on the bench settings and database, migrated."""
    os.environ.update(environ)
    if str(CORE_DIR) not in sys.path:
        sys.path.insert(0, str(CORE_DIR))
    import django
    from django.core.management import call_command

    django.setup()
    # The system checks first, as manage.py would: a model or setting Django
    # refuses stops the bench before it measures anything.
    call_command("check", fail_level="ERROR")
    call_command("migrate", verbosity=0, interactive=False)
    # Then the tables of bench/comparison, which has no migrations: its models
    # refer to the app's tables, which must exist first (run_syncdb makes the
    # tables of such apps before it applies any migration).
    call_command("migrate", verbosity=0, interactive=False, run_syncdb=True)


def close_connections():
    from django.db import connections

    connections.close_all()


def describe():
    from django.db import connection

    if connection.vendor == "postgresql":
        connection.ensure_connection()
        # PostgreSQL's own wrapper has it (150020 for 15.20); the base class not.
        version = connection.pg_version  # type: ignore[attr-defined]
        return f"PostgreSQL {version // 10000}.{version % 10000}"
    return f"SQLite {sqlite3.sqlite_version}"
