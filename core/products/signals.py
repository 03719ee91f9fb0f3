"""The net for saves and deletes of products made outside the write path (the
shell, management commands, any code that bypasses ``writes``): they are
recorded by ``recording``, as the write path's own writes are, and image files
such a write left unused are set aside (kept for undo) once it commits.

The write path's versioned update and a batch's writes are ``QuerySet.update()``
and ``bulk_create()``, which fire no signals; its delete and restore go through
``recording.delete`` and ``recording.create``, which these receivers leave to it.
Other bulk operations are not used on products.
"""

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from products.history import recording
from products.images.kept_files import set_aside_on_commit
from products.models import Product


@receiver(pre_save, sender=Product)
def remember_committed_state(sender, instance, raw=False, **kwargs):
    if not raw:
        recording.before_save(instance)


@receiver(pre_delete, sender=Product)
def remember_state_before_delete(sender, instance, **kwargs):
    recording.before_delete(instance)


@receiver(post_save, sender=Product)
def record_save(sender, instance, created, raw=False, **kwargs):
    """Records the save; a replaced or cleared image is set aside once the change
    commits. The old name comes from the row read under a lock, so two
    concurrent replacements each set aside what the other stored before them,
    not what they loaded."""
    if raw:
        return
    before = recording.saved(instance, created)
    old_name = (before or {}).get("image")
    if old_name and old_name != instance.image.name:
        set_aside_on_commit(Product, "image", instance.image.storage, old_name)


@receiver(post_delete, sender=Product)
def record_delete(sender, instance, **kwargs):
    before = recording.deleted(instance)
    name = (before or {}).get("image")  # as committed
    if name:
        set_aside_on_commit(Product, "image", instance.image.storage, name)
