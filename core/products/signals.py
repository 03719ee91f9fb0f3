"""Record every product write as a ``ProductChange`` and announce it on commit;
set aside image files a committed write left unused (kept for undo).

The net for every save and delete through the model (the shell, management
commands, any code that bypasses ``writes``). The write path's versioned update
is a ``QuerySet.update()``, which fires no signals, and records its change itself
with ``record_change``; so does its versioned delete (``recorded_by_caller``).
Other bulk operations are not used on products.
"""

import logging
from contextlib import contextmanager
from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import Signal, receiver

from .actor import current_actor
from .alert_rules import alerts_across
from .batches import current_recording
from .changes import diff
from .kept_files import set_aside_on_commit
from .models import Product, ProductChange
from .snapshots import committed_snapshot, snapshot

logger = logging.getLogger(__name__)

# Sent after the transaction that wrote ``change`` (a ProductChange) committed.
product_changed = Signal()

_BEFORE = "_committed_snapshot"
_RECORDED_BY_CALLER = "_change_recorded_by_caller"


@contextmanager
def recorded_by_caller(instance):
    """Within it, saving or deleting ``instance`` is left to the caller to record:
    the write path, which knows the committed values without reading them again,
    or has more to record (the deletion a restore undoes)."""
    setattr(instance, _RECORDED_BY_CALLER, True)
    try:
        yield
    finally:
        delattr(instance, _RECORDED_BY_CALLER)


def _recorded_by_caller(instance):
    return getattr(instance, _RECORDED_BY_CALLER, False)


@receiver(pre_save, sender=Product)
def remember_committed_state(sender, instance, raw=False, **kwargs):
    if not raw:
        setattr(instance, _BEFORE, committed_snapshot(instance))


@receiver(pre_delete, sender=Product)
def remember_state_before_delete(sender, instance, **kwargs):
    if _recorded_by_caller(instance):
        return
    setattr(instance, _BEFORE, committed_snapshot(instance) or snapshot(instance))


@receiver(post_save, sender=Product)
def record_save(sender, instance, created, raw=False, **kwargs):
    if raw or _recorded_by_caller(instance):
        return
    before = {} if created else getattr(instance, _BEFORE, {})
    action = ProductChange.Action.CREATED if created else ProductChange.Action.UPDATED
    instance.settle_version()  # the change row records the version it produced
    record_change(instance, action, before, snapshot(instance))


@receiver(post_delete, sender=Product)
def record_delete(sender, instance, **kwargs):
    if _recorded_by_caller(instance):
        return
    before = getattr(instance, _BEFORE, None) or snapshot(instance)
    record_change(instance, ProductChange.Action.DELETED, before, {})


@receiver(post_save, sender=Product)
def delete_replaced_image(sender, instance, created, raw=False, **kwargs):
    """A replaced or cleared image is set aside once the change commits. The old
    name comes from the row read under a lock, so two concurrent replacements
    each set aside what the other stored before them, not what they loaded."""
    if raw or created:
        return
    old_name = getattr(instance, _BEFORE, {}).get("image")
    if old_name and old_name != instance.image.name:
        set_aside_on_commit(Product, "image", instance.image.storage, old_name)


@receiver(post_delete, sender=Product)
def delete_image_of_deleted_product(sender, instance, **kwargs):
    if _recorded_by_caller(instance):
        return
    name = getattr(instance, _BEFORE, {}).get("image")  # as committed
    if name:
        set_aside_on_commit(Product, "image", instance.image.storage, name)


def record_change(product, action, before, after, reverts=None):
    """Records the change (undoing the ProductChange ``reverts``, if given) and
    announces it once the transaction commits."""
    changes = diff(before, after)
    if action == ProductChange.Action.UPDATED and not changes:
        return None  # a save that changes nothing is not an event
    actor = current_actor()
    user = actor.authenticated_user
    recording = current_recording()
    change = ProductChange(
        action=action,
        # A deletion the write path records comes before the row goes; the
        # signals record one after, when there is nothing left to link to.
        product=(
            None
            if action == ProductChange.Action.DELETED
            and not _recorded_by_caller(product)
            else product
        ),
        product_slug=product.slug,
        product_name=product.name,
        actor_id=user.pk if user else None,
        actor_name=user.get_username() if user else "",
        source=actor.source,
        changes=[change.as_dict() for change in changes],
        product_version=(
            None if action == ProductChange.Action.DELETED else product.version
        ),
        batch=recording.batch if recording else None,
        reverts=reverts,
        alerts=alerts_across(before, after, product.pk),
    )
    if recording:
        recording.add(change)  # inserted and announced with the whole batch
    else:
        change.save(force_insert=True)
        announce_on_commit(change)
    return change


def announce_on_commit(change):
    # robust: a broken channel layer is logged and never fails a saved write.
    transaction.on_commit(partial(announce, change), robust=True)


def announce(change):
    for receiver_fn, error in product_changed.send_robust(
        sender=ProductChange, change=change
    ):
        if isinstance(error, Exception):
            logger.error(
                "Could not announce product change %s via %r",
                change.pk,
                receiver_fn,
                exc_info=error,
            )
