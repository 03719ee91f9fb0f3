"""Templates ask ``staff`` what the views ask: active staff, then the permission."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from accounts.context_processors import StaffPermissions
from accounts.groups import permissions
from accounts.tests.factories import (
    StaffWithoutPermissionsFactory,
    UserFactory,
    WatcherFactory,
)

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_and_shoppers_are_not_staff(regular_user):
    for user in (AnonymousUser(), regular_user):
        staff = StaffPermissions(user)
        assert not staff and not staff.change_product


def test_a_permission_without_staff_status_counts_for_nothing():
    user = UserFactory()
    user.user_permissions.set(permissions(["products.change_product"]))

    assert not StaffPermissions(user).change_product


def test_inactive_staff_hold_nothing(inactive_staff_user):
    staff = StaffPermissions(inactive_staff_user)
    assert not staff and not staff.view_product


def test_active_staff_hold_their_permissions_only():
    watcher = StaffPermissions(WatcherFactory())
    bare = StaffPermissions(StaffWithoutPermissionsFactory())

    assert watcher and watcher.view_product and not watcher.change_product
    assert bare and not bare.view_product


def test_the_catalog_shows_each_staff_link_to_who_may_follow_it(client):
    client.force_login(WatcherFactory())
    page = client.get(reverse("product-list")).content.decode()

    assert "Open in the products table" in page
    assert "New product" not in page
