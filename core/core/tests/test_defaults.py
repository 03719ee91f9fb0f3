"""Only make run (and the tests) run with DEBUG on; no published secret key."""

import os
import stat
import subprocess
import sys
from pathlib import Path

from core.settings.base import local_secret_key

CORE_DIR = Path(__file__).resolve().parents[2]
REPO_DIR = CORE_DIR.parent

SHOW_DEBUG = (
    "import os, django; django.setup(); from django.conf import settings; "
    "import core.asgi; print(os.environ['DJANGO_SETTINGS_MODULE'], settings.DEBUG)"
)


def run_python(code, **environment):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(SECRET_KEY="x" * 50, DEBUG="True", **environment)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=CORE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_asgi_application_defaults_to_debug_off_even_with_debug_set():
    code = "import core.asgi; " + SHOW_DEBUG.replace("import core.asgi; ", "")
    result = run_python(code)
    assert result.stdout.split() == ["core.settings.local", "False"], result.stderr


def test_manage_py_defaults_to_debug_off():
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", SHOW_DEBUG],
        cwd=CORE_DIR,
        env={
            **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
            "SECRET_KEY": "x" * 50,
            "DEBUG": "True",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["core.settings.local", "False"], result.stderr


def test_make_run_selects_the_debug_settings():
    result = subprocess.run(
        ["make", "-n", "run"], cwd=REPO_DIR, capture_output=True, text=True, timeout=30
    )
    commands = [line for line in result.stdout.splitlines() if "manage.py" in line]
    commands += [line for line in result.stdout.splitlines() if "daphne" in line]
    assert commands
    assert all("DJANGO_SETTINGS_MODULE=core.settings.dev" in line for line in commands)


def test_a_local_secret_key_is_made_once_and_kept_private(tmp_path):
    path = tmp_path / ".secret_key"
    key = local_secret_key(path)
    assert len(key) >= 50
    assert local_secret_key(path) == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert local_secret_key(tmp_path / "other") != key
