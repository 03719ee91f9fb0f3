from django.db import models
from django.utils import timezone


class FormerSlug(models.Model):
    """A web address a product used to have: requests for it are answered with a
    permanent redirect to the product's current address.

    Kept apart from the change log on purpose: the log may be pruned
    (``prune_changes``), links people saved should outlive that. A slug that a
    product uses now always wins over a former one.
    """

    slug = models.CharField(max_length=220, unique=True)
    product = models.ForeignKey(
        "products.Product", on_delete=models.CASCADE, related_name="former_slugs"
    )
    # When it stopped being the product's address; the latest owner keeps it.
    retired_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.slug} → {self.product_id}"
