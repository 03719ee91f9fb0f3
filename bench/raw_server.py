"""The raw limit: a bare ``websockets`` server broadcasting feed-sized frames.

    raw_server.py --port PORT --spec FILE

FILE (JSON) holds ``hello`` (the first frame of every socket, shaped like the
app's current state so the client's readiness check is the same) and ``prefix``
and ``suffix``, a real event fragment split around its event id. Prints
``listening {}``, then takes commands on stdin, answering one line each:

    steady RATE SECONDS   broadcast RATE frames a second
    max SECONDS           broadcast as fast as the client takes them
    quit                  (or end of stdin)

Answers ``sent {"events": [[id, monotonic_ns], ...]}``: an event's send time is
taken just before ``broadcast()``, as the app's is taken at commit, before the
event is rendered and announced.
"""

import argparse
import asyncio
import json
import resource
import sys
import time

from websockets.asyncio.server import broadcast, serve

# broadcast() pushes into every connection's buffer with no backpressure. Once a
# connection holds this much unsent data (on top of what the kernel holds) the
# max phase waits for it to drain, so that it measures what the client takes
# rather than how fast memory fills up; the margin keeps the pipe full meanwhile.
WRITE_LIMIT = 256 * 1024
# Bounds on one phase, whatever the command says, and on the server's life.
MAX_PHASE_SECONDS = 60
MAX_FRAMES = 2_000_000
MAX_LIFETIME_SECONDS = 900


def emit(word, data):
    sys.stdout.write(f"{word} {json.dumps(data)}\n")
    sys.stdout.flush()


class Broadcaster:
    def __init__(self, hello, prefix, suffix):
        self.hello = hello
        self.prefix = prefix
        self.suffix = suffix
        self.connections = set()
        self.next_id = 1

    async def handler(self, websocket):
        await websocket.send(self.hello)
        self.connections.add(websocket)
        try:
            await websocket.wait_closed()
        finally:
            self.connections.discard(websocket)

    def send_next(self):
        event_id = self.next_id
        self.next_id += 1
        frame = f"{self.prefix}{event_id}{self.suffix}"
        sent = time.monotonic_ns()
        broadcast(self.connections, frame)
        return [event_id, sent]

    async def room(self, deadline):
        """Wait until no connection is over WRITE_LIMIT. ``paused`` and ``drain()``
        are the connection's own flow control (set by the transport's high-water
        mark), the same that ``send()`` waits on."""
        behind = [c for c in self.connections if c.paused]
        if behind:
            waiting = asyncio.gather(
                *(c.drain() for c in behind), return_exceptions=True
            )
            try:
                await asyncio.wait_for(waiting, max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                pass

    async def steady(self, rate, seconds):
        seconds = min(seconds, MAX_PHASE_SECONDS)
        events = []
        start = time.monotonic()
        for number in range(min(int(rate * seconds), MAX_FRAMES)):
            delay = start + number / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            events.append(self.send_next())
        return events

    async def max(self, seconds):
        deadline = time.monotonic() + min(seconds, MAX_PHASE_SECONDS)
        events: list[list[int]] = []  # [event id, sent at ns]
        while time.monotonic() < deadline and len(events) < MAX_FRAMES:
            events.append(self.send_next())
            # Let the loop write to the sockets between broadcasts.
            await asyncio.sleep(0)
            await self.room(deadline)
        return events


async def commands(broadcaster):
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), sys.stdin
    )
    while True:
        words = (await reader.readline()).decode().split()
        if not words or words[0] == "quit":
            return
        if words[0] == "steady":
            events = await broadcaster.steady(float(words[1]), float(words[2]))
        elif words[0] == "max":
            events = await broadcaster.max(float(words[1]))
        else:
            emit("error", {"unknown": words[0]})
            continue
        emit("sent", {"events": events})


async def main(args):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with open(args.spec) as spec_file:
        spec = json.load(spec_file)
    broadcaster = Broadcaster(spec["hello"], spec["prefix"], spec["suffix"])
    async with serve(
        broadcaster.handler,
        "127.0.0.1",
        args.port,
        compression=None,
        ping_interval=None,
        write_limit=WRITE_LIMIT,
        max_size=2**20,
        backlog=2048,
    ):
        emit("listening", {})
        try:
            await asyncio.wait_for(commands(broadcaster), MAX_LIFETIME_SECONDS)
        except TimeoutError:
            pass


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--spec", required=True)
    try:
        asyncio.run(main(parser.parse_args()))
    except KeyboardInterrupt:
        sys.exit(130)
