from django.conf import settings
from django.db import models
from django.utils import timezone


class ChangeBatch(models.Model):
    """Many product changes made as one act (a CSV import, a bulk action), so the
    feed can show them as one event. Each product's own ``ProductChange`` still
    exists and points here; the summary is data (counts), made into text when
    shown."""

    class Kind(models.TextChoices):
        IMPORT = "import"
        BULK = "bulk"
        UNDO = "undo"  # undoes another batch (``reverts``)

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # What the batch was: the uploaded file's name, or the bulk action applied.
    label = models.CharField(max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, blank=True)
    source = models.CharField(max_length=60)
    # {"created": n, "updated": n, "deleted": n, "unchanged": n}
    summary = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The change that stands for the whole batch in the feed (its last one, so
    # that the entry sorts, pages and is caught up where the batch committed).
    # The other changes of the batch are listed on their products' histories.
    entry = models.OneToOneField(
        "products.ProductChange",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="entry_of",
    )

    # Set on a batch that undoes another one; its changes each revert one of
    # that batch's changes.
    reverts = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reverted_by",
    )

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "change batches"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.label} by {self.who}"

    @property
    def who(self) -> str:
        return self.actor_name or self.source
