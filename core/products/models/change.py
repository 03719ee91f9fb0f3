from django.conf import settings
from django.db import models
from django.utils import timezone

from products.history.changes import FieldChange

# Rows recorded before changes were kept as raw values carry a "label" beside
# each field, and their values are display text (a category's name, not its pk).
# Migration 0003 converts what it can; what it cannot keeps that shape.
LEGACY_KEY = "label"


def as_stored_text(value):
    return "" if value is None else str(value)


def read_field_changes(items):
    """``[(FieldChange, is_display_text)]`` from stored items of any shape: a
    missing key reads as empty, a value that is not a string as its text, an
    item that is not a mapping is skipped."""
    if not isinstance(items, list):
        return []
    return [
        (
            FieldChange(
                field=as_stored_text(item.get("field")),
                old=as_stored_text(item.get("old")),
                new=as_stored_text(item.get("new")),
            ),
            LEGACY_KEY in item,
        )
        for item in items
        if isinstance(item, dict)
    ]


class ProductChange(models.Model):
    """One recorded create, update or delete of a product; its id is the event id.

    The field changes are stored as raw values (``[{field, old, new}]``, strings
    as ``Field.value_to_string`` gives them), like the admin's ``LogEntry``: labels
    and display text are made when shown (``products.history.change_display``).
    """

    class Action(models.TextChoices):
        CREATED = "created"
        UPDATED = "updated"
        DELETED = "deleted"

    action = models.CharField(max_length=10, choices=Action.choices)
    product = models.ForeignKey(
        "products.Product",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
    )
    product_slug = models.CharField(max_length=220)
    product_name = models.CharField(max_length=200)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, blank=True)
    source = models.CharField(max_length=60)
    changes = models.JSONField(default=list)
    # The product's version this change produced, so that "what changed since
    # version v" is a query. Empty for a delete (no version remains) and for
    # rows recorded before products had versions.
    product_version = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Set when this change undoes another: an update that reverts an earlier
    # update, or a create that restores a deleted product (it points at the
    # deletion).
    reverts = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reverted_by",
    )
    # The stock alert kinds (``products.alerts.kinds``) open on the product before and
    # after this change, and its id: {"product": 42, "before": ["low"], "after":
    # []}. Empty when the change left them as they were. Recorded with the change
    # (by the rules and the date of then), so its row says what it resolved.
    alerts = models.JSONField(default=dict, blank=True)
    # Set when this change was one of many made as one act (import, bulk action).
    batch = models.ForeignKey(
        "products.ChangeBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
    )

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"#{self.pk} {self.product_name} {self.action} by {self.who}"

    @property
    def who(self):
        return self.actor_name or self.source

    @property
    def field_changes(self):
        return [change for change, _ in read_field_changes(self.changes)]
