"""A child process's own peak memory, not its parent's.

Linux carries a process's RSS high-water mark (``ru_maxrss``) across ``exec``:
a child that Python starts (``vfork`` then ``exec``, or ``fork`` then ``exec``)
reports at least the RSS its parent had when it started it. The bench's own
process holds Django, the 10,000-row import it ran in-process and the bare
``bulk_create``'s 100,000 instances, so reading ``wait4`` on a direct child
measured the bench as much as the command. Here a small Python process forks
the command from its own small image and reads ``wait4`` on it: the figure is
the command's.
"""

import json
import subprocess
import sys

# Run as ``python -c``: fork, exec the command, report its exit and peak RSS as
# the last line of standard error (the command's own output is passed through).
LAUNCHER = """
import json, os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
sys.stderr.write("\\n" + json.dumps(
    {"exit": os.waitstatus_to_exitcode(status), "peak_kib": usage.ru_maxrss}
) + "\\n")
"""


def run(args):
    """``(exit code, output, peak RSS in MiB)`` of ``args`` run to the end,
    the peak being that of the process ``args`` names alone."""
    launched = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    errors = launched.stderr.decode(errors="replace").rstrip("\n")
    errors, _, report = errors.rpartition("\n")
    figures = json.loads(report)
    output = launched.stdout.decode(errors="replace") + errors
    return figures["exit"], output, figures["peak_kib"] / 1024  # KiB on Linux
