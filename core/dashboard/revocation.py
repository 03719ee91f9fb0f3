"""Tell every process's hub when a session ends or a user changes.

Channels resolves the user once per socket, so open feed sockets have to be
closed by the app. These receivers send a hint after the commit; each hub then
re-checks the named sockets against the database (``revalidation``), which also
does so periodically for what no hint reports (expiry, a lost message).

- Session deleted: logout (of that session only), ``cycle_key`` after a
  password change, the admin or a shell deleting sessions.
- User saved: password change, demotion, deactivation; the database says which.
- User deleted.
"""

import threading

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .broadcast import request_recheck

User = get_user_model()

# Changes of this thread's transaction, sent together when it commits: a bulk
# delete of sessions fires one signal per row but sends one hint.
_changed = threading.local()


def changed():
    if not hasattr(_changed, "users"):
        _changed.users, _changed.sessions = set(), set()
    return _changed


def hint_on_commit(user_id=None, session_key=None):
    pending = changed()
    if user_id is not None:
        pending.users.add(user_id)
    if session_key is not None:
        pending.sessions.add(session_key)
    transaction.on_commit(send_changed, robust=True)


def send_changed():
    """The first callback after a commit sends everything pending; the rest
    find nothing. What a rolled-back transaction left goes with the next commit:
    a hint that changes nothing in the database closes nothing."""
    pending = changed()
    users, sessions = pending.users, pending.sessions
    if users or sessions:
        pending.users, pending.sessions = set(), set()
        request_recheck(users, sessions)


@receiver(post_delete, sender=Session, dispatch_uid="dashboard.recheck_ended_session")
def recheck_ended_session(sender, instance, **kwargs):
    hint_on_commit(session_key=instance.session_key)


@receiver(post_save, sender=User, dispatch_uid="dashboard.recheck_saved_user")
def recheck_saved_user(
    sender, instance, created=False, raw=False, update_fields=None, **kwargs
):
    # A new user has no socket yet; every login saves last_login alone, which
    # changes no one's rights.
    if created or raw:
        return
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    hint_on_commit(user_id=instance.pk)


@receiver(post_delete, sender=User, dispatch_uid="dashboard.recheck_deleted_user")
def recheck_deleted_user(sender, instance, **kwargs):
    hint_on_commit(user_id=instance.pk)
