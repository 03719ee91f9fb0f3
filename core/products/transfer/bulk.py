"""Bulk actions: one change applied to many products at once, previewed first.

Staff pick products in the catalog (ticked ones, every one on the page, or every
one matching the catalog's filters) and one action: set the category, change the
price by a percentage or an amount, or set the quantity. The preview lists what
each product would become and carries the versions it showed; applying is one
``writes.products_bulk`` call (one transaction, one change batch, one feed
entry), refused if any product changed since.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from products.catalog.filters import CatalogFilterForm
from products.editing.writes import ProductGone
from products.formats import money
from products.history.batches import BatchItem
from products.history.change_display import show_changes
from products.models import Category, Product
from products.models.product import MAX_QUANTITY
from products.transfer.previews import check_values, unsaved_change

SET_CATEGORY = "set_category"
PRICE_PERCENT = "price_percent"
PRICE_AMOUNT = "price_amount"
SET_QUANTITY = "set_quantity"
CENT = Decimal("0.01")

# Which products: the ticked ones, every one on the page, every one matching.
SELECTED, PAGE, FILTERED = "selected", "page", "filtered"


def changed_price(price, *, percent=None, amount=None):
    """``price`` raised or lowered by ``percent`` or ``amount``, rounded to cents
    (half up: 0.005 becomes 0.01) and never below zero."""
    if percent is not None:
        price = price * (1 + percent / 100)
    else:
        price = price + amount
    return max(price, Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP)


def signed(number, shown=str):
    """``+10``, ``−2.50`` (a real minus sign, as prices are read)."""
    return f"{'+' if number >= 0 else '−'}{shown(abs(number))}"


class BulkActionForm(forms.Form):
    # The catalog's filter (q, category, sort) travels in the same form.
    prefix = "bulk"

    action = forms.ChoiceField(
        choices=[
            (SET_CATEGORY, "Set the category"),
            (PRICE_PERCENT, "Change the price by a percentage"),
            (PRICE_AMOUNT, "Change the price by an amount"),
            (SET_QUANTITY, "Set the quantity"),
        ]
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(), required=False, empty_label="No category"
    )
    percent = forms.DecimalField(
        required=False,
        max_digits=6,
        decimal_places=2,
        min_value=-100,
        help_text="-10 lowers prices by 10 %.",
    )
    amount = forms.DecimalField(
        required=False,
        max_digits=10,
        decimal_places=2,
        help_text="-2.50 lowers prices by $2.50; never below $0.00.",
    )
    quantity = forms.IntegerField(required=False, min_value=0, max_value=MAX_QUANTITY)

    # The field each action needs (the category may be left empty: none).
    NEEDS = {PRICE_PERCENT: "percent", PRICE_AMOUNT: "amount", SET_QUANTITY: "quantity"}

    def clean(self):
        data = super().clean()
        needed = self.NEEDS.get(data.get("action"))
        if needed and data.get(needed) is None and needed not in self.errors:
            self.add_error(needed, "Needed for this action.")
        return data

    @property
    def label(self):
        """What the action does, as the feed names the batch."""
        data = self.cleaned_data
        action = data["action"]
        if action == SET_CATEGORY:
            return f"category → {data['category'] or 'none'}"
        if action == SET_QUANTITY:
            return f"quantity → {data['quantity']:,}"
        if action == PRICE_PERCENT:
            return f"price {signed(data['percent'])}%"
        return f"price {signed(data['amount'], money)}"

    def values_for(self, product):
        data = self.cleaned_data
        action = data["action"]
        if action == SET_CATEGORY:
            return {"category": data["category"]}
        if action == SET_QUANTITY:
            return {"quantity": data["quantity"]}
        if action == PRICE_PERCENT:
            return {"price": changed_price(product.price, percent=data["percent"])}
        return {"price": changed_price(product.price, amount=data["amount"])}


def selected_products(data):
    """The products a bulk form names (a QueryDict): ``scope`` says which."""
    products = Product.objects.select_related("category")
    scope = data.get("scope", SELECTED)
    if scope == FILTERED:
        return CatalogFilterForm(data).filter(products)
    pks = numbers(data.getlist("page_product" if scope == PAGE else "product"))
    return products.filter(pk__in=pks).order_by("name", "pk")


# Parsed by Django's own field: ``str.isdigit()`` accepts "²", which ``int()``
# refuses (a 500 it was).
WHOLE_NUMBER = forms.IntegerField(min_value=0)


def numbers(texts):
    """The whole numbers among ``texts``; the others are left out."""
    parsed = []
    for text in texts:
        try:
            parsed.append(WHOLE_NUMBER.clean(text))
        except ValidationError:
            continue
    return parsed


class TooMany(Exception):
    """More products than one bulk action may change (``BULK_MAX_PRODUCTS``)."""

    def __init__(self):
        super().__init__(
            f"Choose at most {settings.BULK_MAX_PRODUCTS:,} products at a time."
        )


def versions_text(products):
    """``"12:3,15:1"``: each product's pk and the version the preview showed,
    in one field (a form with thousands of fields would be refused)."""
    return ",".join(f"{product.pk}:{product.version}" for product in products)


def read_versions(text):
    """``{pk: version}`` from ``versions_text``; raises ``TooMany`` past the
    bound (a preview never carries more, so such a request was made by hand)."""
    items = (text or "").split(",")
    if len(items) > settings.BULK_MAX_PRODUCTS:
        raise TooMany
    versions = {}
    for item in items:
        pair = numbers(item.partition(":")[::2])
        if len(pair) == 2:
            versions[pair[0]] = pair[1]
    return versions


def previewed_products(versions):
    """The products a preview showed (``{pk: version}``), as they are now, and a
    ``ProductGone`` for each deleted since (only its number is known)."""
    found = Product.objects.select_related("category").in_bulk(versions)
    gone = [
        ProductGone(Product(pk=pk, name=f"Product #{pk}"), None)
        for pk in versions
        if pk not in found
    ]
    return [found[pk] for pk in versions if pk in found], gone


@dataclass
class BulkRow:
    product: object
    values: dict
    changes: list = field(default_factory=list)
    errors: list = field(default_factory=list)


@dataclass
class BulkPlan:
    rows: list

    @property
    def changing(self):
        return [row for row in self.rows if row.changes]

    @property
    def errors(self):
        return [
            (row.product, field, message)
            for row in self.rows
            for field, message in row.errors
        ]

    @property
    def unchanged(self):
        return len(self.rows) - len(self.changing) - len(self.errors)

    def shown(self):
        return show_changes(
            [unsaved_change(row.product, row.changes) for row in self.changing]
        )

    def items(self, versions):
        return [
            BatchItem(
                product=row.product,
                values=row.values,
                expected_version=versions.get(row.product.pk),
            )
            for row in self.rows
        ]


def plan(form, products):
    rows = []
    for product in products:
        values = form.values_for(product)
        errors, changes = check_values(product, values, set(values))
        rows.append(BulkRow(product, values, changes, errors))
    return BulkPlan(rows)
