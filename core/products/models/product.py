from decimal import Decimal
from itertools import count

from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
)
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.db.models.expressions import Combinable
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse

from products.alerts.kinds import stock_status
from products.alerts.rules import shop_rules
from products.images.kept_files import unclaimed_name
from products.images.rules import (
    detected_format,
    is_new_upload,
    stored_name,
    validate_product_image,
)
from products.images.uploads import remember_stored, write_transaction
from products.models.category import Category
from products.slugs import RESERVED_SLUGS, numbered, slug_from_name, validate_slug_base

MAX_QUANTITY = 1_000_000_000
# Long enough for any product text, short enough that a change pushed to the live
# feed stays far below daphne's 1 MiB frame limit.
MAX_DESCRIPTION_LENGTH = 5_000


def normal_sku(value):
    """A SKU as every write stores and every lookup compares it: trimmed, upper
    case, so that "mug-1 " cannot sneak in beside "MUG-1"."""
    return value.strip().upper()


class Product(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=220,
        unique=True,
        allow_unicode=True,
        blank=True,
        help_text="Web address of the product; made from the name when left empty.",
        error_messages={"unique": "Another product already uses this web address."},
    )
    sku = models.CharField(
        "SKU",
        max_length=64,
        unique=True,
        error_messages={"unique": "Another product already uses this SKU."},
    )
    price = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    quantity = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(MAX_QUANTITY)]
    )
    supplier = models.CharField(max_length=200, blank=True)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
    )
    # max_length alone only sizes the form field; the validator makes every
    # full_clean() refuse, the constraint every write.
    description = models.TextField(
        blank=True,
        max_length=MAX_DESCRIPTION_LENGTH,
        validators=[MaxLengthValidator(MAX_DESCRIPTION_LENGTH)],
    )
    image = models.ImageField(
        upload_to="products/",
        blank=True,
        validators=[validate_product_image],
    )
    # Staff only: never on a public page, the public stream or anything an
    # anonymous visitor can fetch.
    cost_price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="What the shop pays; staff only.",
    )
    expiry_date = models.DateField(null=True, blank=True)
    # Overrides the shop-wide LOW_STOCK_THRESHOLD for this product when set.
    low_stock_threshold = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_QUANTITY)],
        help_text="Low stock at or below this quantity; the shop default when empty.",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Counted by the database on every write (version = version + 1 in the
    # UPDATE): a form carries the version it was opened at, and a write made
    # against an older one is refused instead of undoing what came between.
    version = models.PositiveIntegerField(default=1, editable=False)

    # Bookkeeping fields that change on every save and mean nothing in a diff.
    untracked_fields = ("id", "created_at", "updated_at", "version")

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name"]),
            models.Index(fields=["price"]),
            models.Index(fields=["quantity"]),
            # What the feed's stock alerts look for (products.alerts.open_alerts).
            models.Index(fields=["expiry_date"], name="product_expiry_date_idx"),
            # The pinned "out of stock" list, by name: without it a large catalog
            # walks the name index past every product in stock (0.9 M rows read
            # at 1 M products when those out of stock sort last).
            models.Index(fields=["quantity", "name"], name="product_quantity_name_idx"),
            models.Index(
                fields=["quantity"],
                condition=models.Q(low_stock_threshold__isnull=False),
                name="product_own_threshold_idx",
            ),
            models.Index(
                fields=["name"],
                condition=models.Q(cost_price__gt=F("price")),
                name="product_below_cost_idx",
            ),
            # The staff table's sorts (products.table.query); its margin and expiry
            # sorts, which put empty values last, have PostgreSQL-only indexes
            # (migration 0013).
            models.Index(fields=["updated_at", "id"], name="product_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="product_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0),
                name="product_quantity_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="product_version_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(cost_price__isnull=True)
                | models.Q(cost_price__gte=0),
                name="product_cost_price_not_negative",
            ),
            models.CheckConstraint(
                condition=~models.Q(slug="") & ~models.Q(slug__in=RESERVED_SLUGS),
                name="product_slug_usable",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(
                    Length("description"), MAX_DESCRIPTION_LENGTH
                ),
                name="product_description_max_length",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.sku})"

    def get_absolute_url(self):
        return reverse("product-detail", kwargs={"slug": self.slug})

    @property
    def stock_status(self):
        """``"out"``, ``"low"`` (at or below its own threshold, else the shop's)
        or ``"in"``."""
        return stock_status(self, shop_rules())

    def clean(self):
        super().clean()
        if self.sku:  # the admin included
            self.sku = normal_sku(self.sku)
        if self.slug:
            validate_slug_base(self.slug, field="slug")
        elif self.name:  # a missing name is already reported as required
            validate_slug_base(slug_from_name(self.name))

    def validate_constraints(self, exclude=None):
        if not self.slug:
            # Left empty (the admin allows it), the slug is made from the name on
            # save; clean() has checked the name. Not a constraint violation.
            exclude = {*(exclude or ()), "slug"}
        super().validate_constraints(exclude=exclude)

    # Every write goes through a transaction so that the change row recorded by
    # the signals commits, or rolls back, together with the product itself (and
    # an image stored on the way is deleted again if it does not commit).
    def save(self, *args, **kwargs):
        uploading = self.prepare_write()
        loaded_version = self.version
        if not self._state.adding:
            # Whoever saves (the shell, a command, code that bypasses the write
            # path), the database counts the write.
            self.version = F("version") + 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        try:
            with write_transaction():
                try:
                    if self.slug:
                        super().save(*args, **kwargs)
                    else:
                        self._save_with_new_slug(*args, **kwargs)
                finally:
                    # The file is written before the row: remember it even when
                    # the row then fails, so that it is removed with the transaction.
                    if uploading and self.image._committed:
                        remember_stored(self.image)
                self.settle_version()
        except BaseException:
            self.version = loaded_version  # nothing was written
            raise

    def prepare_write(self):
        """Normalises values as every write stores them; True if a new image is
        about to be stored."""
        # Also here, not only in clean(): Product.objects.create() and other
        # code that skips validation must not store "mug-1" beside "MUG-1".
        if self.sku:
            self.sku = normal_sku(self.sku)
        uploading = is_new_upload(self.image)
        if uploading:
            # Stored under the extension of what the file is, not what it is called.
            name = stored_name(self.image.name, detected_format(self.image.file))
            # Never the name of a file kept for undo: change rows name it.
            self.image.name = unclaimed_name(self.image.field, self, name)
        return uploading

    def settle_version(self):
        """After a save that left ``version + 1`` to the database: the number it
        stored (one primary-key read; the write path knows it without one)."""
        if isinstance(self.version, Combinable):
            self.refresh_from_db(fields=["version"])

    def delete(self, *args, **kwargs):
        with write_transaction():
            return super().delete(*args, **kwargs)

    def free_slugs(self):
        """Addresses made from the name that no other product uses, in order."""
        base = slug_from_name(self.name)
        validate_slug_base(base)
        # The product's own current address is not taken (a cleared slug in the
        # admin gives back the same slug, not "name-2").
        taken = set(
            Product.objects.filter(slug__startswith=base)
            .exclude(pk=self.pk)
            .values_list("slug", flat=True)
        )
        for number in count(1):
            candidate = numbered(base, number)
            if candidate not in taken:
                yield candidate

    def _save_with_new_slug(self, *args, **kwargs):
        for candidate in self.free_slugs():
            self.slug = candidate
            try:
                # A savepoint, so a concurrent insert of the same slug only costs
                # a retry with the next number.
                with transaction.atomic():
                    super().save(*args, **kwargs)
                return
            except IntegrityError:
                self.slug = ""
                if not Product.objects.filter(slug=candidate).exists():
                    raise
