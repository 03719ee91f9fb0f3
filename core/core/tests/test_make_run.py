"""make run prints demo links to the address it actually serves."""

import subprocess
from pathlib import Path

import pytest

REPO_DIR = Path(__file__).resolve().parents[3]


def planned(*variables):
    """The commands ``make run`` would run with these variables (``make -n``)."""
    result = subprocess.run(
        ["make", "-n", "run", *variables],
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def line_running(commands, word):
    return next(line for line in commands if word in line)


@pytest.mark.parametrize(
    "variables, served, linked",
    [
        ((), "-b 127.0.0.1 -p 8000", "http://127.0.0.1:8000/"),
        (("PORT=8101",), "-b 127.0.0.1 -p 8101", "http://127.0.0.1:8101/"),
        (
            ("HOST=localhost", "PORT=9000"),
            "-b localhost -p 9000",
            "http://localhost:9000/",
        ),
        # Every interface: the links use loopback, where a browser here reaches it.
        (("HOST=0.0.0.0",), "-b 0.0.0.0 -p 8000", "http://127.0.0.1:8000/"),
    ],
)
def test_the_demo_links_point_where_daphne_listens(variables, served, linked):
    commands = planned(*variables)
    assert served in line_running(commands, "daphne")
    assert f"seed_demo --site-url {linked}" in line_running(commands, "seed_demo")
