"""The fan-out phases' socket client, run as its own process.

    fanout_client.py --url ws://127.0.0.1:PORT/ws/products/ --count N --out FILE
        [--origin http://127.0.0.1:PORT] [--cookies FILE] ...

Opens N sockets (in batches), waits for each one's first frame (the current
state), prints ``ready {...}``, then records every later frame: the event id in it
and ``time.monotonic_ns()`` on arrival (system-wide on Linux, so the bench process
can subtract its own send times). Commands on stdin: ``stats`` (answers
``stats {...}``) and ``stop`` (closes everything, writes FILE, answers
``done {}``). End of stdin or ``--max-seconds`` stop it too.

``--batch N`` opens N sockets at a time (``--batch`` = ``--count``: all at once,
like browsers reconnecting after a server restart); the time from the start to
each socket's first frame is in FILE. ``--stall K``: the last K sockets stop
reading once they have their first frame, like a client on a dead network; the
server's output for them piles up. They are watched through the kernel's TCP
state: once the server closes one (shedding it), it reads again to learn the
close code. Their frames never count in ``stats``.

The client shares the machine's cores with the server it measures, so a frame
costs it as little as possible: once a socket has its current state, each
complete text frame is recorded as the connection parses it (one regex search
on bytes, two appends to int arrays), with no task switch per frame.
"""

import argparse
import asyncio
import gc
import json
import re
import resource
import socket
import sys
import time
from array import array
from collections import Counter
from collections.abc import Sequence
from typing import Optional

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidMessage, InvalidStatus
from websockets.frames import Frame, Opcode

# The first frame of every socket: the current state replaces the feed's rows.
SNAPSHOT_MARKER = 'id="feed-rows" hx-swap-oob="innerHTML"'
# The first frame of a socket resumed from its page's point (``?after=<id>``):
# only what happened after it, marked so (live/protocol.py).
RESUMED_MARKER = "<!--live:resumed-->"
# A first frame is a current state: the feed's snapshot, the public catalog's
# prices (ws/catalog/), or a resume.
STATE_MARKERS = (SNAPSHOT_MARKER, '-price" hx-swap-oob="true"', RESUMED_MARKER)
EVENT_ID = re.compile(rb'(?:id="change-|data-as-of=")(\d+)"')
# Linux's tcp_info starts with the connection's state; 1 is ESTABLISHED. Anything
# else on a stalled socket means the server's close (FIN, or RST) reached it.
TCP_ESTABLISHED = 1
STALL_POLL_SECONDS = 0.1


def server_sockets_held():
    """(local, remote) address pairs of the IPv4 TCP sockets on this machine that a
    process still holds (an inode), from /proc/net/tcp."""
    held = set()
    with open("/proc/net/tcp") as table:
        next(table)
        for line in table:
            fields = line.split()
            if fields[9] != "0":
                held.add((_address(fields[1]), _address(fields[2])))
    return held


def _address(text):
    """("127.0.0.1", 8000) from /proc/net/tcp's "0100007F:1F40"."""
    host, port = text.split(":")
    return socket.inet_ntoa(bytes.fromhex(host)[::-1]), int(port, 16)


def emit(word, data):
    sys.stdout.write(f"{word} {json.dumps(data)}\n")
    sys.stdout.flush()


def failure_reason(error):
    if isinstance(error, ConnectionClosed):
        code = error.rcvd.code if error.rcvd else None
        return f"closed {code}"
    if isinstance(error, (TimeoutError, asyncio.TimeoutError)):
        return "timeout"
    if isinstance(error, InvalidStatus):
        return f"refused: HTTP {error.response.status_code}"
    if isinstance(error, InvalidMessage):
        return "dropped during the handshake"
    return type(error).__name__


class NotTheState(Exception):
    """The first frame was not the current-state snapshot."""


class RecordingConnection(ClientConnection):
    """Hands complete text frames to ``recorder`` instead of queueing them for
    ``recv()``. Anything else (fragmented messages, control frames) takes the
    usual path, and a close still ends ``recv()``."""

    recorder = None

    def process_event(self, event):
        if (
            self.recorder is not None
            and isinstance(event, Frame)
            and event.opcode is Opcode.TEXT
            and event.fin
        ):
            self.recorder(event.data)
        else:
            super().process_event(event)


class Fleet:
    def __init__(self, url, origin, timeout, stall=0):
        self.url = url
        self.origin = origin
        self.timeout = timeout
        self.stall = stall  # how many of the last sockets stop reading
        self.started = time.monotonic()
        self.first_frame_s = []  # per socket: start -> its first frame, seconds
        self.first_frame_bytes = []  # per socket: its first frame's size
        self.stalled = {}  # socket index -> [bytes, frames, shed time or None]
        self.sockets = []
        self.listeners = []
        self.ids = []  # per socket: event ids, in arrival order
        self.times = []  # per socket: arrival times (monotonic ns)
        self.closes = []  # per socket: [code, time] when the server closed it
        self.failures: Counter[str] = Counter()
        self.frames = 0  # events received (one message may carry several)
        self.messages = 0  # messages that carried events
        self.other_frames = 0
        self.last_rx = 0
        self.event_frame_bytes = None
        self.stopping = False

    async def open_one(self, cookie):
        websocket = await connect(
            self.url,
            origin=self.origin,
            additional_headers={"Cookie": cookie} if cookie else None,
            # Like a browser talking to daphne (which accepts no compression), and
            # the same for the bare server: frames cost the same on both.
            compression=None,
            proxy=None,
            # No client pings: a busy client must not time its own sockets out.
            ping_interval=None,
            open_timeout=self.timeout,
            close_timeout=2,
            max_size=2**23,
            create_connection=RecordingConnection,
        )
        try:
            first = await asyncio.wait_for(websocket.recv(), self.timeout)
            assert isinstance(first, str)  # the live layer sends text frames
            if not any(marker in first for marker in STATE_MARKERS):
                raise NotTheState()
            self.first_frame_s.append(round(time.monotonic() - self.started, 4))
            self.first_frame_bytes.append(len(first.encode()))
        except BaseException:
            await websocket.close()
            raise
        return websocket

    async def open_all(self, cookies, batch, deadline):
        self.started = time.monotonic()
        for start in range(0, len(cookies), batch):
            chunk = cookies[start : start + batch]
            if time.monotonic() > deadline:
                self.failures["connect deadline"] += len(chunk)
                continue
            results = await asyncio.gather(
                *(self.open_one(cookie) for cookie in chunk), return_exceptions=True
            )
            for result in results:
                if isinstance(result, BaseException):
                    self.failures[failure_reason(result)] += 1
                else:
                    self.add(result)

    def add(self, websocket):
        index = len(self.sockets)
        self.sockets.append(websocket)
        self.ids.append(array("q"))
        self.times.append(array("q"))
        self.closes.append(None)
        websocket.recorder = self.recorder(index)
        self.listeners.append(asyncio.create_task(self.listen(index, websocket)))

    def stall_last(self):
        """Stop reading on the last ``stall`` sockets (after their first frame)."""
        for index in range(max(0, len(self.sockets) - self.stall), len(self.sockets)):
            websocket = self.sockets[index]
            self.stalled[index] = record = [0, 0, None]
            websocket.recorder = self.stalled_recorder(record)
            websocket.transport.pause_reading()
        if self.stalled:
            self.listeners.append(asyncio.create_task(self.watch_stalled()))

    def stalled_recorder(self, record):
        def count(data):
            record[0] += len(data)
            record[1] += 1

        return count

    async def watch_stalled(self):
        """Notice when the server gives up on a stalled socket, then read again:
        the close frame (and its code) is behind everything still unread.

        A server that closes a socket without resetting it leaves its unsent
        bytes to the kernel, which sends the FIN only after them: the stalled
        side sees nothing. So the server's side is looked at too: the process
        has let go of its socket once the kernel lists it with no inode (an
        orphan still flushing) or not at all.
        """
        waiting = dict(self.stalled)
        while waiting:
            await asyncio.sleep(STALL_POLL_SECONDS)
            if self.stopping:
                return  # closing them ourselves now
            held = server_sockets_held()
            for index, record in list(waiting.items()):
                websocket = self.sockets[index]
                sock = websocket.transport.get_extra_info("socket")
                state = None
                if sock is not None and sock.fileno() >= 0:
                    state = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]
                client_side = websocket.transport.get_extra_info("sockname")
                server_side = websocket.transport.get_extra_info("peername")
                # /proc/net/tcp lists IPv4 only (the bench uses 127.0.0.1).
                let_go = (
                    sock is not None
                    and sock.family == socket.AF_INET
                    and ((server_side, client_side) not in held)
                )
                if state != TCP_ESTABLISHED or let_go:
                    record[2] = time.monotonic_ns()
                    del waiting[index]
                    websocket.transport.resume_reading()

    def recorder(self, index):
        ids, times = self.ids[index], self.times[index]
        find, clock = EVENT_ID.findall, time.monotonic_ns

        def record(data):
            now = clock()
            found = find(data)
            if not found:
                self.other_frames += 1
                return
            # The app joins events that wait for one socket into one message:
            # count events, and messages beside them.
            for event_id in found:
                ids.append(int(event_id))
                times.append(now)
            self.frames += len(found)
            self.messages += 1
            self.last_rx = now
            if self.event_frame_bytes is None:
                self.event_frame_bytes = len(data)

        return record

    async def listen(self, index, websocket):
        """Frames that did not go to the recorder; notices the server's close."""
        try:
            while True:
                websocket.recorder(await websocket.recv(decode=False))
        except ConnectionClosed:
            if not self.stopping:
                self.closes[index] = [websocket.close_code, time.monotonic_ns()]

    def stats(self):
        return {
            "frames": self.frames,
            "last_rx": self.last_rx,
            "open": sum(
                1
                for index, close in enumerate(self.closes)
                if close is None and index not in self.stalled
            ),
            "other": self.other_frames,
        }

    async def close_all(self):
        self.stopping = True
        if self.sockets:
            closing = asyncio.gather(
                *(websocket.close() for websocket in self.sockets),
                return_exceptions=True,
            )
            try:
                await asyncio.wait_for(closing, 20)
            except TimeoutError:
                pass
        for listener in self.listeners:
            listener.cancel()
        await asyncio.gather(*self.listeners, return_exceptions=True)

    def results(self, requested, connect_seconds):
        first_rx: dict[int, int] = {}
        for ids, times in zip(self.ids, self.times):
            for event_id, received in zip(ids, times):
                if received < first_rx.get(event_id, received + 1):
                    first_rx[event_id] = received
        return {
            "requested": requested,
            "connected": len(self.sockets),
            "failures": dict(self.failures),
            "connect_seconds": connect_seconds,
            "first_frame_s": self.first_frame_s,
            "first_frame_bytes": self.first_frame_bytes,
            "sockets": [
                {
                    "ids": ids.tolist(),
                    "times": times.tolist(),
                    "frames": len(ids),
                    "duplicates": len(ids) - len(set(ids)),
                    "closed": close,
                }
                for index, (ids, times, close) in enumerate(
                    zip(self.ids, self.times, self.closes)
                )
                if index not in self.stalled
            ],
            "stalled": [
                {
                    "bytes_read": record[0],
                    "frames_read": record[1],
                    "shed_at": record[2],
                    "closed": self.closes[index],
                }
                for index, record in self.stalled.items()
            ],
            "first_rx": first_rx,
            "other_frames": self.other_frames,
            "messages": self.messages,
            "event_frame_bytes": self.event_frame_bytes,
            "cpu_seconds": time.process_time(),
        }


async def commands(fleet):
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), sys.stdin
    )
    while True:
        line = (await reader.readline()).decode().strip()
        if line == "stats":
            emit("stats", fleet.stats())
        elif line == "stop" or not line:
            return


async def main(args):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    cookies: Sequence[Optional[str]]
    if args.cookies:
        with open(args.cookies) as lines:
            cookies = [line.strip() for line in lines if line.strip()][: args.count]
    else:
        cookies = [None] * args.count
    fleet = Fleet(args.url, args.origin, args.timeout, args.stall)
    started = time.monotonic()
    await fleet.open_all(cookies, args.batch, started + args.connect_seconds)
    connect_seconds = round(time.monotonic() - started, 3)
    fleet.stall_last()
    # Everything allocated so far lives to the end: keep it out of the collector's
    # way, so that collections during the phases stay cheap.
    gc.freeze()
    emit(
        "ready",
        {
            "connected": len(fleet.sockets),
            "failures": dict(fleet.failures),
            "seconds": connect_seconds,
        },
    )
    try:
        await asyncio.wait_for(commands(fleet), args.max_seconds)
    except TimeoutError:
        pass
    await fleet.close_all()
    with open(args.out, "w") as out:
        json.dump(fleet.results(args.count, connect_seconds), out)
    emit("done", {})


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--origin")
    parser.add_argument("--cookies", help="file with one Cookie header per line")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--stall", type=int, default=0, help="sockets not reading")
    parser.add_argument("--timeout", type=float, default=20, help="per socket")
    parser.add_argument("--connect-seconds", type=float, default=90)
    parser.add_argument("--max-seconds", type=float, default=240)
    return parser.parse_args()


if __name__ == "__main__":
    try:
        asyncio.run(main(parse_args()))
    except KeyboardInterrupt:
        sys.exit(130)
