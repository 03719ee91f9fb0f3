"""Login throttling through a real daphne: axes' middleware runs its async path
there, and the address it counts comes from daphne's connection."""

import http.client
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from axes.models import AccessAttempt

from .factories import PASSWORD

LOCKED_OUT_TEXT = "Too many failed log-in attempts"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# daphne as the README says to run it behind a reverse proxy that sets
# ``X-Real-IP`` to the address its client connected from.
BEHIND_A_PROXY = ["--proxy-headers", "--proxy-headers-host", "X-Real-IP"]


class Browser:
    """Just enough of a browser for a login form: cookies and the CSRF token."""

    def __init__(self, server):
        self.port = server.port
        self.cookies = SimpleCookie()

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(
                f"{name}={morsel.value}" for name, morsel in self.cookies.items()
            )
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for value in response.headers.get_all("Set-Cookie") or []:
                self.cookies.load(value)
            return response.status, dict(response.headers), response.read().decode()
        finally:
            connection.close()

    def log_in(self, username, password, path="/accounts/login/", headers=None):
        _, _, form = self.request("GET", path)
        token = TOKEN.search(form).group(1)
        body = urlencode(
            {"csrfmiddlewaretoken": token, "username": username, "password": password}
        )
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            **(headers or {}),
        }
        return self.request("POST", path, body, headers)

    def fail(self, username, times=5, path="/accounts/login/"):
        return [self.log_in(username, "wrong", path)[0] for _ in range(times)]


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_five_failures_lock_out_the_right_password_under_daphne(
    start_daphne, staff_user, path
):
    browser = Browser(start_daphne())

    assert browser.fail("staff", path=path) == [200, 200, 200, 200, 429]
    status, headers, page = browser.log_in("staff", PASSWORD, path)

    assert status == 429
    assert LOCKED_OUT_TEXT in page and "“staff”" in page
    assert "Try again in 15 minutes" in page
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "sessionid" not in browser.cookies


def test_daphne_counts_the_clients_address_not_a_header(start_daphne, staff_user):
    browser = Browser(start_daphne())
    spoofed = {"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.9"}

    for _ in range(5):
        browser.log_in("staff", "wrong", headers=spoofed)

    [attempt] = AccessAttempt.objects.all()
    assert (attempt.username, attempt.ip_address) == ("staff", "127.0.0.1")
    assert attempt.failures_since_start == 5
    assert browser.log_in("staff", PASSWORD)[0] == 429


def test_a_successful_login_resets_the_count_under_daphne(start_daphne, staff_user):
    server = start_daphne()
    browser = Browser(server)
    browser.fail("staff", times=4)
    assert browser.log_in("staff", PASSWORD)[0] == 302

    fresh = Browser(server)
    assert fresh.fail("staff", times=4) == [200] * 4
    assert fresh.log_in("staff", PASSWORD)[0] == 302


def test_the_limit_and_cool_off_come_from_the_environment(
    start_daphne, staff_user, regular_user
):
    browser = Browser(start_daphne(AXES_FAILURE_LIMIT="2", AXES_COOLOFF_MINUTES="1"))

    assert browser.fail("staff", times=2) == [200, 429]
    status, _, page = browser.log_in("staff", PASSWORD)
    assert status == 429
    assert "After 2 wrong passwords" in page and "Try again in 1 minute," in page
    assert browser.log_in("shopper", PASSWORD)[0] == 302


def test_behind_a_proxy_each_client_is_counted_by_the_address_it_sent(
    start_daphne, staff_user
):
    server = start_daphne(args=BEHIND_A_PROXY)
    attacker, colleague = Browser(server), Browser(server)
    from_attacker = {"X-Real-IP": "198.51.100.7"}
    from_colleague = {"X-Real-IP": "192.0.2.4"}
    for _ in range(5):
        attacker.log_in("staff", "wrong", headers=from_attacker)

    [attempt] = AccessAttempt.objects.all()
    assert attempt.ip_address == "198.51.100.7"
    assert attacker.log_in("staff", PASSWORD, headers=from_attacker)[0] == 429
    assert colleague.log_in("staff", PASSWORD, headers=from_colleague)[0] == 302
