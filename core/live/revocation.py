"""Tell every process's hub when a session ends or a user changes.

Channels resolves the user once per socket, so open live sockets have to be
closed by the app. These receivers send a hint after the commit; each hub then
re-checks the named sockets against the database (``revalidation``), which also
does so periodically for what no hint reports (expiry, a lost message).

- Session deleted: logout (of that session only), ``cycle_key`` after a
  password change, the admin or a shell deleting sessions.
- User saved: a password change, demotion, deactivation, lost superuser status.
  Nothing here assumes who holds a socket (a stream's ``may_join`` decides, on
  re-check); any other save (a login's ``last_login``, a new name) asks no one.
- User deleted.
- A permission lost: a group taken from the user, a permission taken from the
  user or from one of their groups, a group deleted.
"""

import threading
from collections.abc import Callable, Iterable
from typing import Any, Optional

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.db import models, transaction
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_save,
    pre_delete,
    pre_save,
)
from django.dispatch import receiver

from .publish import request_recheck

User = get_user_model()


# Changes of this thread's transaction, sent together when it commits: a bulk
# delete of sessions fires one signal per row but sends one hint.
class Pending(threading.local):
    users: set[int]
    sessions: set[str]


_changed = Pending()


def changed() -> Pending:
    if not hasattr(_changed, "users"):
        _changed.users, _changed.sessions = set(), set()
    return _changed


def hint_on_commit(
    user_id: Optional[int] = None, session_key: Optional[str] = None
) -> None:
    pending = changed()
    if user_id is not None:
        pending.users.add(user_id)
    if session_key is not None:
        pending.sessions.add(session_key)
    transaction.on_commit(send_changed, robust=True)


def send_changed() -> None:
    """The first callback after a commit sends everything pending; the rest
    find nothing. What a rolled-back transaction left goes with the next commit:
    a hint that changes nothing in the database closes nothing."""
    pending = changed()
    users, sessions = pending.users, pending.sessions
    if users or sessions:
        pending.users, pending.sessions = set(), set()
        request_recheck(users, sessions)


@receiver(post_delete, sender=Session, dispatch_uid="live.recheck_ended_session")
def recheck_ended_session(
    sender: type[Session], instance: Session, **kwargs: object
) -> None:
    hint_on_commit(session_key=instance.session_key)


# What a save can take away: the password signs the user's sessions (a new one
# ends them); losing a flag can end a staff socket.
FLAGS = ("is_active", "is_staff", "is_superuser")
RIGHTS = ("password", *FLAGS)


@receiver(pre_save, sender=User, dispatch_uid="live.note_rights_before_save")
def note_rights_before_save(
    sender: type[AbstractBaseUser],
    instance: AbstractBaseUser,
    raw: bool = False,
    update_fields: Optional[Iterable[str]] = None,
    **kwargs: object,
) -> None:
    """The stored rights of a user about to be saved, if the save may change
    them: a login saves ``last_login`` alone and costs no query."""
    # Kept on the instance, where the post_save receiver finds it.
    instance.__dict__["_rights_before"] = None
    if raw or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(RIGHTS):
        return
    instance.__dict__["_rights_before"] = (
        User._default_manager.filter(pk=instance.pk).values(*RIGHTS).first()
    )


@receiver(post_save, sender=User, dispatch_uid="live.recheck_saved_user")
def recheck_saved_user(
    sender: type[AbstractBaseUser], instance: AbstractBaseUser, **kwargs: object
) -> None:
    """Only losing a right (or a new password) can end a socket. A new user, a
    promotion or a new name asks no one (every hint reaches every process)."""
    before = instance.__dict__.pop("_rights_before", None)
    if not before:
        return
    lost_flag = any(before[flag] and not getattr(instance, flag) for flag in FLAGS)
    if lost_flag or before["password"] != instance.password:
        hint_on_commit(user_id=instance.pk)


@receiver(post_delete, sender=User, dispatch_uid="live.recheck_deleted_user")
def recheck_deleted_user(
    sender: type[AbstractBaseUser], instance: AbstractBaseUser, **kwargs: object
) -> None:
    hint_on_commit(user_id=instance.pk)


# Permissions lost -----------------------------------------------------------
# Only removals can close a socket. They are read before the rows go ("pre_"):
# after a clear() nothing says whose they were. Saving a Group or Permission
# changes no one's rights; deleting a group removes its users' rows silently.

LOSING = {"pre_remove", "pre_clear"}
UserGroups = User.groups.through
UserPermissions = User.user_permissions.through
GroupPermissions = Group.permissions.through


def hint_users_on_commit(user_ids: Iterable[int]) -> None:
    """Like ``hint_on_commit`` for many users (a group's): one callback."""
    users = set(user_ids)
    if users:
        changed().users.update(users)
        transaction.on_commit(send_changed, robust=True)


def users_in_groups(group_ids: Iterable[int]) -> Iterable[int]:
    return UserGroups.objects.filter(group_id__in=group_ids).values_list(
        "user_id", flat=True
    )


# Who holds a permission or is in a group (by its pk), read from the database.
Holders = Callable[[Any], Iterable[int]]


def losing_holders(
    instance: models.Model,
    action: str,
    reverse: bool,
    pk_set: Optional[set[int]],
    holders_of: Holders,
) -> Iterable[int]:
    """Who an m2m removal takes something from, on the holding side (users, or
    groups): ``instance`` itself when removed from its own side
    (``user.groups.remove(...)``), else the holders removed
    (``group.user_set.remove(...)``), or on a clear every holder it had, as
    ``holders_of(instance.pk)`` finds them before the rows go."""
    if not reverse:
        return [instance.pk]
    if action == "pre_remove":
        assert pk_set is not None  # Django names what a remove() removes
        return pk_set
    return holders_of(instance.pk)


def permission_holders(through: type[models.Model], field: str) -> Holders:
    return lambda permission_id: through._default_manager.filter(
        permission_id=permission_id
    ).values_list(field, flat=True)


@receiver(m2m_changed, sender=UserGroups, dispatch_uid="live.recheck_groups")
def recheck_group_members(
    sender: type[models.Model],
    instance: models.Model,
    action: str,
    reverse: bool,
    pk_set: Optional[set[int]],
    **kwargs: object,
) -> None:
    if action in LOSING:
        hint_users_on_commit(
            losing_holders(
                instance, action, reverse, pk_set, lambda pk: users_in_groups([pk])
            )
        )


@receiver(m2m_changed, sender=UserPermissions, dispatch_uid="live.recheck_user_perms")
def recheck_user_permissions(
    sender: type[models.Model],
    instance: models.Model,
    action: str,
    reverse: bool,
    pk_set: Optional[set[int]],
    **kwargs: object,
) -> None:
    if action in LOSING:
        holders = permission_holders(UserPermissions, "user_id")
        hint_users_on_commit(losing_holders(instance, action, reverse, pk_set, holders))


@receiver(m2m_changed, sender=GroupPermissions, dispatch_uid="live.recheck_group_perms")
def recheck_group_permissions(
    sender: type[models.Model],
    instance: models.Model,
    action: str,
    reverse: bool,
    pk_set: Optional[set[int]],
    **kwargs: object,
) -> None:
    if action in LOSING:  # the groups that lose it, then their users
        holders = permission_holders(GroupPermissions, "group_id")
        groups = losing_holders(instance, action, reverse, pk_set, holders)
        hint_users_on_commit(users_in_groups(groups))


@receiver(pre_delete, sender=Group, dispatch_uid="live.recheck_deleted_group")
def recheck_deleted_group(
    sender: type[Group], instance: Group, **kwargs: object
) -> None:
    hint_users_on_commit(users_in_groups([instance.pk]))
