"""nginx in front of daphne processes, as ``deploy/`` runs it, on loopback:
for ``make cluster`` (deploy/cluster.py) and the proxy tests.

``Nginx`` runs Debian's nginx on ``deploy/nginx/nginx.conf`` from a folder of
its own; ``Readiness`` runs ``deploy/readiness.sh``, which keeps nginx's list of
processes to those whose ``/readyz`` answers 200. Like ``processes``, nothing
here imports Django.
"""

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from .processes import CORE_DIR, Server

DEPLOY_DIR = CORE_DIR.parent / "deploy"
# Copied as they are; the rest of the folder says where this copy runs.
NGINX_FILES = [DEPLOY_DIR / "nginx" / name for name in ("nginx.conf", "proxy.conf")]
READINESS = DEPLOY_DIR / "readiness.sh"
# As readiness.sh writes it for a ready process.
SERVER_OPTIONS = "max_fails=1 fail_timeout=5s"
# daphne behind the proxy: the client's address from X-Real-IP, the scheme from
# X-Forwarded-Proto (both set by nginx, never by the client).
PROXY_HEADERS = ["--proxy-headers", "--proxy-headers-host", "X-Real-IP"]


def nginx_binary():
    """Debian's nginx, or None when it is not installed."""
    return shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None
    )


class Nginx(Server):
    """nginx on 127.0.0.1:``port`` in front of ``backends`` ("host:port"),
    serving ``static_root`` under /static/. Its folder (config, upstream list,
    logs) is ``directory``, made here."""

    name = "nginx"

    def __init__(self, directory, backends, static_root, port=None, binary=None):
        super().__init__(directory, port)
        self.dir = Path(directory)
        self.backends = list(backends)
        self.static_root = Path(static_root)
        self.binary = binary or nginx_binary()
        self.url = f"http://127.0.0.1:{self.port}"
        self.access_log = self.dir / "logs" / "access.log"

    def prepare(self):
        (self.dir / "logs").mkdir(parents=True, exist_ok=True)
        (self.dir / "tmp").mkdir(exist_ok=True)
        for path in NGINX_FILES:
            shutil.copy(path, self.dir / path.name)
        (self.dir / "listen.conf").write_text(f"listen 127.0.0.1:{self.port};\n")
        (self.dir / "upstream-servers.conf").write_text(
            "".join(f"server {b} {SERVER_OPTIONS};\n" for b in self.backends)
        )
        static = self.dir / "static"
        if static.is_symlink() or static.exists():
            static.unlink()
        static.symlink_to(self.static_root.resolve(), target_is_directory=True)

    def command(self):
        directives = "daemon off;"
        if os.geteuid() == 0:
            # Workers as root too: they read this folder (often private to its
            # owner, as a test's temporary folder is) and the static files.
            directives += " user root;"
        return [
            self.binary,
            "-e",
            "stderr",
            "-c",
            str(self.dir / "nginx.conf"),
            "-p",
            f"{self.dir}/",
            "-g",
            directives,
        ]

    def start(self, timeout=20):
        self.prepare()
        return super().start(timeout)

    def requests(self):
        """The access log's lines so far."""
        if not self.access_log.exists():
            return []
        return self.access_log.read_text(errors="replace").splitlines()

    def reload(self):
        assert self.process is not None, "not started"
        self.process.send_signal(signal.SIGHUP)


class Readiness:
    """``deploy/readiness.sh`` for ``nginx``, probing every ``interval`` s."""

    def __init__(self, nginx, interval=0.5):
        self.nginx = nginx
        self.interval = interval
        self.log_path = nginx.dir / "readiness.log"
        self.process = None

    def start(self):
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [
                    "sh",
                    str(READINESS),
                    str(self.nginx.dir),
                    str(self.interval),
                    *self.nginx.backends,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def log(self):
        return self.log_path.read_text() if self.log_path.exists() else ""

    def wait_for(self, text, timeout=20):
        """Until the loop logged ``text`` (it logs each change of the ready set)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log():
                return
            time.sleep(0.1)
        raise TimeoutError(f"readiness never logged {text!r}:\n{self.log()}")
