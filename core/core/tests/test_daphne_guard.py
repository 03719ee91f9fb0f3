"""Under daphne, an oversized body is refused before daphne buffers it."""

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

MIB = 1024 * 1024
BIG = 50 * MIB


def request_head(port, length=None, chunked=False, path="/accounts/login/"):
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines.append("Content-Type: application/x-www-form-urlencoded")
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    else:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_status(sock, timeout=10):
    sock.settimeout(timeout)
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else None


def test_a_declared_50_mib_body_is_refused_at_the_headers(daphne):
    with socket.create_connection(("127.0.0.1", daphne.port)) as sock:
        sock.sendall(request_head(daphne.port, length=BIG))
        # Not a byte of the body sent: the answer comes from the headers alone.
        assert read_status(sock) == 413


def test_a_chunked_body_is_refused_once_it_passes_the_limit(daphne, settings):
    sent = 0
    chunk = b"x" * MIB
    with socket.create_connection(("127.0.0.1", daphne.port)) as sock:
        sock.sendall(request_head(daphne.port, chunked=True))
        try:
            while sent < BIG:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
        except OSError:  # the server closed the connection: expected
            pass
        status = read_status(sock)
    assert status in (413, None)  # None: the reset arrived before the answer
    assert sent < settings.MAX_REQUEST_BODY_BYTES + 16 * MIB


def test_a_body_within_the_limit_is_served(daphne):
    body = b"a=" + b"x" * MIB
    with socket.create_connection(("127.0.0.1", daphne.port)) as sock:
        sock.sendall(request_head(daphne.port, length=len(body)) + body)
        assert read_status(sock) == 403  # reached Django: no CSRF token


def rss(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def post_50_mib(port):
    chunk = b"x" * MIB
    with socket.create_connection(("127.0.0.1", port)) as sock:
        try:
            sock.sendall(request_head(port, length=BIG))
            for _ in range(BIG // MIB):
                sock.sendall(chunk)
        except OSError:
            pass  # refused early: the server stopped reading
        try:
            return read_status(sock)
        except OSError:
            return None


def test_memory_stays_flat_under_four_parallel_50_mib_posts(daphne):
    pid = daphne.process.pid
    baseline = rss(pid)
    peak = baseline
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(post_50_mib, [daphne.port] * 4))
    finally:
        done.set()
        sampler.join()
    growth = (max(peak, rss(pid)) - baseline) / MIB
    print(f"daphne RSS {baseline / MIB:.1f} MiB, growth at peak {growth:.1f} MiB")
    assert growth < 60
    assert set(statuses) <= {413, None}
