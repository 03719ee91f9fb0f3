import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.groups import permissions
from accounts.roles import WATCH_FEED, can_watch_feed, is_staff
from accounts.tests.factories import (
    StaffFactory,
    StaffWithoutPermissionsFactory,
    SuperuserFactory,
    UserFactory,
    WatcherFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "user, expected",
    [
        ("staff_user", True),
        ("superuser", True),
        ("regular_user", False),
        ("inactive_staff_user", False),
    ],
)
def test_only_active_staff_count_as_staff(request, user, expected):
    assert is_staff(request.getfixturevalue(user)) is expected


def test_anonymous_is_not_staff():
    assert is_staff(AnonymousUser()) is False
    assert is_staff(None) is False


@pytest.mark.parametrize(
    "factory, expected",
    [
        (StaffFactory, True),
        (WatcherFactory, True),
        (SuperuserFactory, True),
        (StaffWithoutPermissionsFactory, False),
        (UserFactory, False),
    ],
)
def test_the_feed_needs_active_staff_with_its_permission(factory, expected):
    assert can_watch_feed(factory()) is expected


def test_the_feed_permission_without_staff_status_is_not_enough():
    user = UserFactory(user_permissions=permissions([WATCH_FEED]))
    assert user.has_perm(WATCH_FEED)
    assert can_watch_feed(user) is False


def test_an_inactive_watcher_may_not_watch():
    assert can_watch_feed(WatcherFactory(is_active=False)) is False


def test_anonymous_may_not_watch():
    assert can_watch_feed(AnonymousUser()) is False
    assert can_watch_feed(None) is False
