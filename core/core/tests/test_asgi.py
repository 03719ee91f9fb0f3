"""The ASGI entry point, as daphne loads it."""

import os
import subprocess
import sys
from pathlib import Path

CORE_DIR = Path(__file__).resolve().parents[2]


def load_application_and_run(code):
    """Import ``core.asgi`` in a fresh interpreter, as daphne does, then run
    ``code`` there; its output."""
    result = subprocess.run(
        [sys.executable, "-c", f"import core.asgi\n{code}"],
        cwd=CORE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "core.settings.test"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_autobahn_builds_its_per_frame_log_arguments_without_colours():
    # sendData's debug call styles these for every frame, logged or not.
    output = load_application_and_run(
        "from autobahn.util import hltype, hlval\n"
        "from autobahn.websocket.protocol import WebSocketProtocol\n"
        "print(hlval(1200), hltype(WebSocketProtocol.sendData))"
    )
    assert output == ("1200 <autobahn.websocket.protocol.WebSocketProtocol.sendData>\n")
