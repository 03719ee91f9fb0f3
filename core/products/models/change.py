from django.conf import settings
from django.db import models
from django.utils import timezone

from ..changes import FieldChange


class ProductChange(models.Model):
    """One recorded create, update or delete of a product; its id is the event id.

    The field changes are stored as data (``[{field, label, old, new}]``, strings)
    and only turned into text when shown.
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
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"#{self.pk} {self.product_name} {self.action} by {self.who}"

    @property
    def who(self):
        return self.actor_name or self.source

    @property
    def field_changes(self):
        return [FieldChange(**change) for change in self.changes]
