"""Close a user's feed sockets when they log out or stop being active staff.

Channels resolves the user once per socket, so the app has to do this itself.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.roles import is_staff

from .broadcast import revoke_user

User = get_user_model()


@receiver(user_logged_out, dispatch_uid="dashboard.revoke_on_logout")
def revoke_on_logout(sender, user, **kwargs):
    if user is not None:
        revoke_user(user.pk)


@receiver(post_save, sender=User, dispatch_uid="dashboard.revoke_on_demotion")
def revoke_on_demotion(sender, instance, raw=False, **kwargs):
    if not raw and not is_staff(instance):
        user_id = instance.pk
        transaction.on_commit(lambda: revoke_user(user_id), robust=True)


@receiver(post_delete, sender=User, dispatch_uid="dashboard.revoke_on_delete")
def revoke_on_delete(sender, instance, **kwargs):
    user_id = instance.pk
    transaction.on_commit(lambda: revoke_user(user_id), robust=True)
