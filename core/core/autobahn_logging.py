"""autobahn's debug-log arguments, built without terminal colours.

autobahn (under daphne) builds the arguments of its debug-log calls even when
debug logging is off, and its send path makes such a call for every frame. It
colours those arguments with click whenever click can be imported, and click is
in every environment that has black. At a thousand sockets the styling is a
measurable share of each frame's cost (``bench/run.py --compare-click``), for
colours that no log shows: debug lines are dropped, and daphne's log is no
terminal.
"""

import autobahn.util


def skip_log_styling():
    """autobahn's highlight helpers return their text as it is, as they do when
    click is not installed. ``_HAS_CLICK`` is read on every call; a test checks
    that this still takes effect after an autobahn upgrade."""
    autobahn.util._HAS_CLICK = False
