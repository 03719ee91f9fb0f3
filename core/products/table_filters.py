"""The staff table's query string (``q``, ``category``, ``stock``, ``alert``,
``sort``) as a form, and the products it selects: shared by the table at
``/products/manage/`` and its exports, so an export holds what the table shows.
Invalid values fall back to the defaults, as the catalog's filters do.
"""

from django import forms
from django.db.models import F, Q

from .alerts import BELOW_COST, EXPIRED, EXPIRING
from .models import Category
from .open_alerts import at_or_below_threshold, conditions

STOCKS = {
    "in": lambda: ~Q(quantity=0) & ~at_or_below_threshold(),
    "low": lambda: Q(quantity__gt=0) & at_or_below_threshold(),
    "out": lambda: Q(quantity=0),
}
# The query string's names of the alert kinds.
ALERTS = {"expiring": EXPIRING, "expired": EXPIRED, "below_cost": BELOW_COST}
# Columns that may be empty sort those products last in either direction.
SORTS = {
    "name": (F("name"), False),
    "sku": (F("sku"), False),
    "price": (F("price"), False),
    "quantity": (F("quantity"), False),
    "margin": (F("price") - F("cost_price"), True),  # money earned per unit
    "updated": (F("updated_at"), False),
    "expiry": (F("expiry_date"), True),
}
DEFAULT_SORT = "name"


def ordering(sort):
    """``sort`` (``name``, ``-name`` ...) as ORDER BY expressions."""
    expression, nullable = SORTS[sort.lstrip("-")]
    nulls = {"nulls_last": True} if nullable else {}
    if sort.startswith("-"):
        return (expression.desc(**nulls), "-pk")
    return (expression.asc(**nulls), "pk")


class TableFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(),
        required=False,
        to_field_name="slug",
        empty_label="All categories",
    )
    stock = forms.ChoiceField(
        required=False,
        choices=[("", "Any stock"), ("in", "In stock"), ("low", "Low"), ("out", "Out")],
    )
    alert = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Any alert"),
            ("expiring", "Expiring soon"),
            ("expired", "Expired"),
            ("below_cost", "Priced below cost"),
        ],
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[(key, key) for name in SORTS for key in (name, f"-{name}")],
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.is_valid()  # keep whatever is valid

    def value(self, name, default=None):
        return self.cleaned_data.get(name) or default

    def filter(self, products):
        query = self.value("q", "").strip()
        if query:
            products = products.filter(
                Q(name__icontains=query)
                | Q(sku__icontains=query)
                | Q(description__icontains=query)
            )
        category = self.value("category")
        if category is not None:
            products = products.filter(category=category)
        stock = self.value("stock")
        if stock:
            products = products.filter(STOCKS[stock]())
        alert = self.value("alert")
        if alert:
            products = products.filter(conditions()[ALERTS[alert]])
        return products.order_by(*ordering(self.value("sort", DEFAULT_SORT)))
