"""Which live sockets may stay open: decided from the database, in a few queries.
The sockets here must keep passing the staff feed's check, as a stream's
``may_join`` would ask."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.groups import FEED_WATCHERS, permissions
from accounts.roles import WATCH_FEED, can_watch_feed
from accounts.tests.factories import (
    StaffFactory,
    StaffWithoutPermissionsFactory,
    SuperuserFactory,
    WatcherFactory,
)
from dashboard.tests.live_sockets import log_in
from live.validity import Credentials, still_valid

pytestmark = pytest.mark.django_db


def feed_permission():
    return permissions([WATCH_FEED]).get()


def credentials(user, session_key):
    return Credentials(user.pk, session_key, checks=(can_watch_feed,))


def test_a_logged_in_staff_session_is_valid():
    staff = StaffFactory()
    socket = credentials(staff, log_in(staff))
    assert still_valid([socket]) == {socket}


def test_each_way_a_session_ends_or_a_user_loses_the_feed_is_seen():
    users = StaffFactory.create_batch(6)
    sockets = [credentials(user, log_in(user)) for user in users]
    logged_out, expired, new_password, demoted, deactivated, kept = sockets
    Session.objects.filter(session_key=logged_out.session_key).delete()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    users[2].set_password("a-whole-new-passphrase")
    users[2].save()
    users[3].is_staff = False
    users[3].save()
    users[4].is_active = False
    users[4].save()
    assert still_valid(sockets) == {kept}


def test_a_session_proves_only_its_own_user():
    owner, other = StaffFactory.create_batch(2)
    borrowed = credentials(other, log_in(owner))
    assert still_valid([borrowed]) == set()


def test_one_password_change_ends_every_session_of_that_user_only():
    staff, colleague = StaffFactory.create_batch(2)
    theirs = [credentials(staff, log_in(staff)) for _ in range(2)]
    colleagues = credentials(colleague, log_in(colleague))
    staff.set_password("a-whole-new-passphrase")
    staff.save()
    assert still_valid([*theirs, colleagues]) == {colleagues}


def test_many_sockets_cost_two_queries_and_a_permission_lookup_per_user(
    django_assert_num_queries,
):
    users = StaffFactory.create_batch(20)
    # Three sockets (tabs) per session, two sessions per user: 120 sockets.
    sockets = [
        credentials(user, session_key)
        for user in users
        for session_key in (log_in(user), log_in(user))
        for _tab in range(3)
    ]
    # The sessions, their users, then has_perm's two (own and group permissions)
    # once per user, however many sockets the user has open.
    with django_assert_num_queries(2 + 2 * len(users)):
        assert len(still_valid(sockets)) == len(set(sockets))


def test_superusers_need_no_permission_lookup(django_assert_num_queries):
    admins = SuperuserFactory.create_batch(5)
    sockets = [credentials(admin, log_in(admin)) for admin in admins]
    with django_assert_num_queries(2):
        assert still_valid(sockets) == set(sockets)


@pytest.mark.parametrize(
    "take_away",
    [
        lambda user, group: user.groups.remove(group),
        lambda user, group: user.groups.clear(),
        lambda user, group: group.permissions.remove(feed_permission()),
        lambda user, group: group.delete(),
    ],
    ids=["group-removed", "groups-cleared", "group-lost-it", "group-deleted"],
)
def test_losing_the_feed_permission_is_seen(take_away):
    watcher, colleague = WatcherFactory.create_batch(2)
    kept = credentials(colleague, log_in(colleague))
    lost = credentials(watcher, log_in(watcher))
    assert still_valid([kept, lost]) == {kept, lost}
    group = Group.objects.get(name=FEED_WATCHERS)

    take_away(watcher, group)

    # group-lost-it and group-deleted take it from both.
    assert lost not in still_valid([kept, lost])


def test_a_permission_held_directly_counts_and_its_loss_too():
    staff = StaffWithoutPermissionsFactory()
    socket = credentials(staff, log_in(staff))
    assert still_valid([socket]) == set()
    staff.user_permissions.add(feed_permission())
    assert still_valid([socket]) == {socket}
    staff.user_permissions.remove(feed_permission())
    assert still_valid([socket]) == set()
