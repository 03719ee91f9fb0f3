"""One address adds at most LOGIN_ATTEMPT_ROWS_PER_ADDRESS failed-login rows
within the cool-off, however many usernames it tries."""

import pytest
from axes.models import AccessAttempt

from .factories import PASSWORD
from .test_throttling import LOCKED_OUT_TEXT, attempt, client_from

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def three_rows(settings):
    settings.LOGIN_ATTEMPT_ROWS_PER_ADDRESS = 3


def test_made_up_usernames_stop_adding_rows_at_the_bound():
    client = client_from("10.0.0.1")

    statuses = [attempt(client, f"nobody-{n}").status_code for n in range(8)]

    assert statuses == [200, 200, 200] + [429] * 5
    assert AccessAttempt.objects.filter(ip_address="10.0.0.1").count() == 3


def test_a_full_address_is_refused_for_every_username_alike(staff_user):
    # Known or not, the answer is the same: it tells nothing about who exists.
    client = client_from("10.0.0.1")
    for n in range(3):
        attempt(client, f"nobody-{n}")

    unknown = attempt(client, "nobody-else")
    known = attempt(client, "staff", PASSWORD)

    assert unknown.status_code == known.status_code == 429
    assert LOCKED_OUT_TEXT in known.content.decode()


def test_other_addresses_are_not_bounded_by_a_full_one(staff_user):
    for n in range(3):
        attempt(client_from("10.0.0.1"), f"nobody-{n}")
    elsewhere = client_from("10.0.0.2")

    assert attempt(elsewhere, "staff", PASSWORD).status_code == 302
