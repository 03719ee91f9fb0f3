"""The staff groups the demo and the tests hand out: which permissions make a role."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from .roles import (
    ADD_PRODUCT,
    CHANGE_PRODUCT,
    DELETE_PRODUCT,
    VIEW_PRODUCT,
    WATCH_FEED,
)

CATALOG_EDITORS = "Catalog editors"
FEED_WATCHERS = "Feed watchers"

GROUP_PERMISSIONS = {
    CATALOG_EDITORS: [
        ADD_PRODUCT,
        CHANGE_PRODUCT,
        DELETE_PRODUCT,
        VIEW_PRODUCT,
        WATCH_FEED,
    ],
    FEED_WATCHERS: [VIEW_PRODUCT, WATCH_FEED],
}


def permissions(names):
    """The Permission rows for ``["app_label.codename", ...]``. Looked up through
    the content type's table rather than ContentType's cache, which a flushed
    test database leaves stale."""
    match = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".", 1)
        match |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(match)


def role_group(name):
    """The group ``name`` with at least its role's permissions: created if
    missing, missing permissions added, extra ones left (someone chose them)."""
    group, _ = Group.objects.get_or_create(name=name)
    group.permissions.add(*permissions(GROUP_PERMISSIONS[name]))
    return group
