"""Login throttling: five wrong passwords for one username from one address lock
that pair out (429, our own page) until the cool-off passes or staff unlock it."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from .factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("login")
ADMIN_LOGIN_URL = reverse("admin:login")
LOCKED_OUT_TEXT = "Too many failed log-in attempts"


def client_from(address):
    return Client(REMOTE_ADDR=address)


def attempt(client, username, password="wrong", url=LOGIN_URL):
    return client.post(url, {"username": username, "password": password})


def fail(client, username, times=5, url=LOGIN_URL):
    return [attempt(client, username, url=url).status_code for _ in range(times)]


def assert_locked_out(response, client):
    assert response.status_code == 429
    assert LOCKED_OUT_TEXT in response.content.decode()
    assert SESSION_KEY not in client.session


def assert_logged_in(response, client, user):
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


def test_four_wrong_passwords_are_answered_as_wrong_passwords(staff_user):
    client = client_from("10.0.0.1")

    assert fail(client, "staff", times=4) == [200] * 4
    assert_logged_in(attempt(client, "staff", PASSWORD), client, staff_user)


def test_the_fifth_wrong_password_locks_the_pair_out(staff_user):
    client = client_from("10.0.0.1")

    assert fail(client, "staff") == [200, 200, 200, 200, 429]


def test_once_locked_out_even_the_right_password_is_refused(staff_user):
    client = client_from("10.0.0.1")
    fail(client, "staff")

    assert_locked_out(attempt(client, "staff", PASSWORD), client)


def test_the_admin_login_is_throttled_too(staff_user):
    client = client_from("10.0.0.1")
    fail(client, "staff", url=ADMIN_LOGIN_URL)

    response = attempt(client, "staff", PASSWORD, url=ADMIN_LOGIN_URL)

    assert_locked_out(response, client)


def test_failures_on_either_login_page_add_up(staff_user):
    client = client_from("10.0.0.1")
    fail(client, "staff", times=3)
    fail(client, "staff", times=2, url=ADMIN_LOGIN_URL)

    assert_locked_out(attempt(client, "staff", PASSWORD), client)


def test_the_lockout_page_is_ours_and_says_what_to_do(staff_user, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    client = client_from("10.0.0.1")
    fail(client, "staff")

    response = attempt(client, "staff", PASSWORD)

    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert "Shop Manager" in page  # the site's layout, not a bare text
    assert "staff" in page
    assert "15 minutes" in page
    assert "ask a staff member" in page.lower()
    assert f'href="{LOGIN_URL}"' in page


def test_without_a_cool_off_the_page_says_only_staff_can_unlock(staff_user, settings):
    settings.AXES_COOLOFF_TIME = None  # AXES_COOLOFF_MINUTES=0
    client = client_from("10.0.0.1")
    fail(client, "staff")

    page = attempt(client, "staff", PASSWORD).content.decode()

    assert "Ask a staff member to unlock it." in page
    assert "Try again" not in page


def test_the_lockout_page_keeps_the_content_security_policy(staff_user):
    client = client_from("10.0.0.1")
    fail(client, "staff")

    response = attempt(client, "staff", PASSWORD)

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    page = response.content.decode()
    assert "<style" not in page and "style=" not in page
    assert page.count("<script") == page.count("<script src=")


def test_another_username_from_the_same_address_is_not_locked_out(
    staff_user, regular_user
):
    client = client_from("10.0.0.1")
    fail(client, "staff")

    assert_logged_in(attempt(client, "shopper", PASSWORD), client, regular_user)


def test_the_same_username_from_another_address_is_not_locked_out(staff_user):
    fail(client_from("10.0.0.1"), "staff")
    elsewhere = client_from("10.0.0.2")

    assert_logged_in(attempt(elsewhere, "staff", PASSWORD), elsewhere, staff_user)


def test_a_forwarded_for_header_does_not_make_a_new_address(staff_user):
    client = client_from("10.0.0.1")
    fail(client, "staff")

    response = client.post(
        LOGIN_URL,
        {"username": "staff", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )

    assert_locked_out(response, client)


def test_a_successful_login_resets_the_count(staff_user):
    client = client_from("10.0.0.1")
    fail(client, "staff", times=4)
    attempt(client, "staff", PASSWORD)
    client.post(reverse("logout"))

    assert fail(client, "staff", times=4) == [200] * 4
    assert_logged_in(attempt(client, "staff", PASSWORD), client, staff_user)


def test_the_lockout_ends_when_the_cool_off_has_passed(staff_user, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    client = client_from("10.0.0.1")
    fail(client, "staff")
    assert_locked_out(attempt(client, "staff", PASSWORD), client)

    # Sixteen minutes later, as far as the records go.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    assert_logged_in(attempt(client, "staff", PASSWORD), client, staff_user)


def test_attempts_during_the_lockout_do_not_extend_it(staff_user, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    client = client_from("10.0.0.1")
    fail(client, "staff")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    fail(client, "staff", times=3)  # still locked out: not counted
    # Two minutes later: sixteen since the lockout began.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=2))

    assert_logged_in(attempt(client, "staff", PASSWORD), client, staff_user)


@pytest.mark.parametrize("command", [("axes_reset",), ("axes_reset_username", "staff")])
def test_staff_unlock_with_a_management_command(staff_user, command):
    client = client_from("10.0.0.1")
    fail(client, "staff")

    call_command(*command, stdout=None)

    assert_logged_in(attempt(client, "staff", PASSWORD), client, staff_user)


def test_staff_see_and_unlock_lockouts_in_the_admin(staff_user, superuser):
    client = client_from("10.0.0.1")
    fail(client, "staff")
    admin = Client()
    admin.force_login(superuser)
    [locked] = AccessAttempt.objects.filter(username="staff")

    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200
    assert "10.0.0.1" in listing.content.decode()
    deleted = admin.post(
        reverse("admin:axes_accessattempt_delete", args=[locked.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 302

    assert_logged_in(attempt(client, "staff", PASSWORD), client, staff_user)


def test_the_test_clients_login_still_works(staff_user):
    # Client.login() authenticates without a request (no address to count):
    # the test settings let it through so other tests can use it.
    assert Client().login(username="staff", password=PASSWORD)


@pytest.mark.parametrize("url", [LOGIN_URL, ADMIN_LOGIN_URL])
def test_a_username_longer_than_axes_stores_is_a_wrong_login(url, staff_user):
    # 255 characters fit axes' column; a longer name failed the insert on
    # PostgreSQL (500). It is counted under its first 255 characters.
    client = client_from("10.0.0.1")
    long_name = "x" * 300

    assert fail(client, long_name, url=url) == [200, 200, 200, 200, 429]
    assert AccessAttempt.objects.get().username == "x" * 255
    assert_logged_in(attempt(client, "staff", PASSWORD, url=url), client, staff_user)
