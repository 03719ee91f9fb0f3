"""``make cluster``: the deploy/ shape on this machine, without Docker.

nginx on 127.0.0.1:PORT in front of N daphne processes (ports PORT+1 ... PORT+N,
loopback only) with ``--proxy-headers``, the readiness loop beside nginx, all on
``REDIS_URL`` and on ``DATABASE_URL`` (or the SQLite file core/db.sqlite3).
Ctrl-C or ``make cluster-stop`` stops everything: the loop, nginx, then each
daphne (SIGTERM: requests in flight finish, sockets are told to reconnect).

Redis is required: the processes hear each other's changes only through it
(the in-memory channel layer lives inside one process).
"""

import argparse
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[1]
CORE_DIR = REPO_DIR / "core"
STATE_DIR = REPO_DIR / ".cluster"
PID_FILE = STATE_DIR / "cluster.pid"
sys.path.insert(0, str(CORE_DIR))

from core.testing.processes import DaphneProcess  # noqa: E402
from core.testing.proxy import (  # noqa: E402
    PROXY_HEADERS,
    Nginx,
    Readiness,
    nginx_binary,
)


def fail(message):
    print(f"make cluster: {message}", file=sys.stderr)
    sys.exit(2)


def environment():
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        fail(
            "set REDIS_URL (e.g. REDIS_URL=redis://127.0.0.1:6379/0 make cluster): "
            "the processes share live changes only through Redis."
        )
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get(
            "DJANGO_SETTINGS_MODULE", "core.settings.local"
        ),
        # daphne runs with --proxy-headers below (accounts.checks).
        "BEHIND_PROXY": "true",
    }


def manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=CORE_DIR, env=env, check=True
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--processes", type=int, default=2)
    options = parser.parse_args(argv)
    env = environment()
    if nginx_binary() is None:
        fail("nginx is not installed (Debian: apt-get install nginx).")
    if PID_FILE.exists():
        fail(
            f"a cluster may already run (pid {PID_FILE.read_text().strip()}): "
            "make cluster-stop first, or remove .cluster/cluster.pid."
        )

    site = f"http://127.0.0.1:{options.port}/"
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    # Loopback only, as make run: the demo logins have published passwords.
    manage(env, "seed_demo", "--quiet", "--site-url", site, "--allow-demo-passwords")

    STATE_DIR.mkdir(exist_ok=True)
    logs = STATE_DIR / "logs"
    logs.mkdir(exist_ok=True)
    daphnes = [
        DaphneProcess(logs, port=options.port + n, args=PROXY_HEADERS, environment=env)
        for n in range(1, options.processes + 1)
    ]
    nginx = Nginx(
        STATE_DIR / "nginx",
        [f"127.0.0.1:{daphne.port}" for daphne in daphnes],
        static_root=CORE_DIR / "staticfiles",
        port=options.port,
    )
    readiness = Readiness(nginx, interval=2)
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    PID_FILE.write_text(str(os.getpid()))
    try:
        for daphne in daphnes:
            daphne.start()
        nginx.start()
        readiness.start()
        print(f"\nShop Manager on {site} (nginx, {len(daphnes)} daphne processes)")
        for daphne in daphnes:
            print(f"  daphne {daphne.url}  /metrics, /readyz; log {daphne.log_path}")
        print(f"  nginx access log {nginx.access_log}")
        print("Ctrl-C or make cluster-stop to stop.\n", flush=True)
        stopping.wait()
    finally:
        print("stopping the cluster", flush=True)
        readiness.stop()
        nginx.stop()
        for daphne in daphnes:
            daphne.stop()
        PID_FILE.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
