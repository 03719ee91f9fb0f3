"""Where daphne's time goes per frame: py-spy samples the running server from
outside (no instrumentation in the process being measured) during a max phase.

py-spy is a test-and-bench tool in requirements.txt; ``--profile`` needs it.
"""

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from .services import BenchError

SAMPLES_PER_SECOND = 200
TOP = 12
# "function (path/to/file.py:line)", as py-spy writes a frame with --function.
# autobahn's styling of log arguments: its highlight helpers and click under them.
STYLING = ("autobahn/util.py", "click/")
# Frames that wrap everything (the loop, Twisted's logging and context wrappers)
# are left out of the inclusive list: they say nothing about where time goes.
WRAPPERS = ("twisted/python/log.py", "twisted/python/context.py", "runpy")
ROOT_SHARE = 0.75
FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")
# Packages by the path of their files, in the order they are tried.
PACKAGES = (
    ("autobahn", "/autobahn/"),
    ("txaio", "/txaio/"),
    ("click", "/click/"),
    ("twisted", "/twisted/"),
    ("daphne", "/daphne/"),
    ("channels", "/channels/"),
    ("our hub (live)", "/live/"),
    ("our feed (dashboard)", "/dashboard/"),
    ("channels_redis / redis", "/channels_redis/"),
    ("channels_redis / redis", "/redis/"),
    ("asgiref", "/asgiref/"),
    ("django", "/django/"),
    ("asyncio", "/asyncio/"),
    ("asyncio", "/selectors.py"),
    ("msgpack", "/msgpack/"),
)


def py_spy():
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(found).exists():
        raise BenchError("--profile needs py-spy (pip install -r requirements.txt)")
    return found


class Profiler:
    """py-spy recording one process for ``seconds``, started at once."""

    def __init__(self, pid, seconds, out_path):
        self.out_path = Path(out_path)
        self.log_path = self.out_path.with_suffix(".log")
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [py_spy(), "record", "--pid", str(pid), "--nonblocking"]
                + ["--function", "--format", "raw", "--rate", str(SAMPLES_PER_SECOND)]
                + ["--duration", str(max(1, round(seconds)))]
                + ["--output", str(self.out_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def finish(self, timeout=60):
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if not self.out_path.exists():
            raise BenchError(
                f"py-spy wrote nothing: {self.log_path.read_text()[-500:]}"
            )
        return summarise(self.out_path.read_text())


def package(path):
    # py-spy names a file from its package on ("twisted/internet/tcp.py").
    path = "/" + path.lstrip("/")
    for name, marker in PACKAGES:
        if marker in path:
            return name
    return "other"


def summarise(collapsed, top=TOP):
    """Self and inclusive shares of the busy samples, per function and package.

    ``collapsed`` is py-spy's raw output: one stack a line, outermost frame
    first, frames separated by ";", then the number of samples.
    """
    own: Counter[tuple[str, str]] = Counter()
    inclusive: Counter[tuple[str, str]] = Counter()
    packages: Counter[str] = Counter()
    total = styling = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = [_frame(frame) for frame in stack.split(";")]
        own[frames[-1]] += samples
        packages[package(frames[-1][1])] += samples
        for frame in set(frames):
            inclusive[frame] += samples
        if any(marker in path for _, path in frames for marker in STYLING):
            styling += samples
    if not total:
        return {"samples": 0}

    def share(samples):
        return round(100 * samples / total, 1)

    def rows(counter):
        return [
            {"function": f"{name} ({_short(path)})", "percent": share(samples)}
            for (name, path), samples in counter.most_common(top)
        ]

    return {
        "samples": total,
        "self": rows(own),
        "inclusive": rows(
            Counter(
                {
                    frame: samples
                    for frame, samples in inclusive.items()
                    if samples < ROOT_SHARE * total
                    and not any(wrapper in frame[1] for wrapper in WRAPPERS)
                }
            )
        ),
        "packages": {name: share(samples) for name, samples in packages.most_common()},
        "log_styling": share(styling),
    }


def _frame(text):
    match = FRAME.match(text.strip())
    if match is None:
        return text.strip(), ""
    return match["function"], match["file"]


def _short(path):
    """The part of a file path that names it: twisted/internet/tcp.py."""
    for pattern in (r"site-packages/(.*)$", r"/python3\.\d+/(.*)$", r"/core/(.*)$"):
        match = re.search(pattern, path)
        if match:
            return match[1]
    return path
