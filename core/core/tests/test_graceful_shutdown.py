"""daphne exits within 10 s of SIGTERM, finishing the requests in flight."""

import subprocess
import threading
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.test import Client
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from accounts.tests.factories import StaffFactory

SLOW_SITE = {"DJANGO_SETTINGS_MODULE": "core.tests.slow_settings"}


def staff_cookie():
    client = Client()
    client.force_login(StaffFactory(username="shutdown-staff"))
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


def fetch_in_background(server, path):
    result = {}

    def fetch():
        try:
            with urllib.request.urlopen(server.url + path, timeout=15) as response:
                result["answer"] = (response.status, response.read().decode())
        except (OSError, urllib.error.HTTPError) as error:
            result["answer"] = repr(error)

    thread = threading.Thread(target=fetch)
    thread.start()
    return thread, result


def let_requests_arrive():
    time.sleep(0.5)  # setup only: the assertions do not depend on timing


def terminate(server):
    """SIGTERM; (exit code, seconds to exit), or (None, ...) if still running."""
    started = time.monotonic()
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        return None, time.monotonic() - started
    return server.process.returncode, time.monotonic() - started


def test_sigterm_finishes_requests_in_flight_and_exits(start_daphne):
    server = start_daphne(**SLOW_SITE)
    cookie = staff_cookie()
    url = server.url.replace("http://", "ws://") + "/ws/products/"
    with connect(url, origin=server.url, additional_headers={"Cookie": cookie}) as feed:
        feed.recv(timeout=5)  # the feed's state: the socket is open
        in_flight = [
            fetch_in_background(server, "/slow/sync/"),
            fetch_in_background(server, "/slow/async/"),
        ]
        let_requests_arrive()
        code, seconds = terminate(server)
        for thread, _ in in_flight:
            thread.join()
        try:
            while True:
                feed.recv(timeout=5)
        except (ConnectionClosed, TimeoutError) as ended:
            socket_end = ended
    print(f"daphne exited with {code} {seconds:.2f} s after SIGTERM")
    assert code == 0 and seconds < 10
    assert [result["answer"] for _, result in in_flight] == [
        (200, "slow sync done"),
        (200, "slow async done"),
    ]
    assert isinstance(socket_end, ConnectionClosed)


def test_a_request_longer_than_the_grace_does_not_keep_daphne_alive(start_daphne):
    # A request that would run 60 s, far beyond the grace: its thread is left
    # waiting on the stopped event loop, which used to keep daphne alive.
    server = start_daphne(**SLOW_SITE, SHUTDOWN_GRACE_SECONDS="0.3", SLOW_SECONDS="60")
    thread, result = fetch_in_background(server, "/slow/sync/")
    let_requests_arrive()
    code, seconds = terminate(server)
    thread.join()
    print(f"daphne exited with {code} {seconds:.2f} s after SIGTERM")
    assert code is not None and seconds < 10
    assert result["answer"] != (200, "slow sync done")  # cut off at the grace
