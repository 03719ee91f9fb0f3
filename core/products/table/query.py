"""The staff product table (``/products/manage/``): its query string, what it
selects and how it pages.

A view of the table is its address: ``q``, ``category``, ``stock``, ``alert``,
``sort``, ``page`` and ``per_page``, read by Django's form fields. A value the
fields refuse falls back to the default (a stale link still shows a table).
"""

from urllib.parse import urlencode

from django import forms
from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Q, Subquery

from products.alerts.kinds import BELOW_COST, EXPIRED, EXPIRING, LOW_STOCK, OUT_OF_STOCK
from products.alerts.open_alerts import at_or_below_threshold, conditions
from products.alerts.rules import shop_rules
from products.catalog.search import matching
from products.models import Category, Product, ProductChange

PER_PAGE_CHOICES = (25, 50, 100, 200)
DEFAULT_PER_PAGE = 50
# Pages listed either side of the current one.
PAGE_WINDOW = 2

STOCK_CHOICES = [("in", "In stock"), ("low", "Low stock"), ("out", "Out of stock")]
ALERT_CHOICES = [
    ("expiring", "Expiring soon"),
    ("expired", "Expired"),
    ("below_cost", "Price below cost"),
]
ALERT_KINDS = {"expiring": EXPIRING, "expired": EXPIRED, "below_cost": BELOW_COST}

# sort value -> (column label, ordering); "-x" is the reverse of "x".
SORT_COLUMNS = {
    "name": ("Name", ("name",)),
    "sku": ("SKU", ("sku",)),
    "price": ("Price", ("price",)),
    "quantity": ("Quantity", ("quantity",)),
    "margin": ("Margin", ("margin_amount",)),
    "updated": ("Last change", ("updated_at",)),
    "expiry": ("Expiry", ("expiry_date",)),
}
DEFAULT_SORT = "name"


def sort_choices():
    choices = []
    for key, (label, _) in SORT_COLUMNS.items():
        choices += [(key, f"{label}, ascending"), (f"-{key}", f"{label}, descending")]
    return choices


# Sorts over columns that may be empty; the others never are, and are ordered
# plainly, so that an index read backwards serves the descending sort.
NULLABLE_SORTS = frozenset({"margin", "expiry"})


def ordering(sort):
    """The ``order_by`` of a sort value, empty values last either way."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    _, fields = SORT_COLUMNS[key]
    nulls = {"nulls_last": True} if key in NULLABLE_SORTS else {}
    order = [
        F(name).desc(**nulls) if descending else F(name).asc(**nulls) for name in fields
    ]
    return [*order, "-pk" if descending else "pk"]


class TableForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    category = forms.ModelChoiceField(
        queryset=Category.objects.order_by("name"),
        required=False,
        to_field_name="slug",
        empty_label="All categories",
    )
    stock = forms.ChoiceField(
        required=False, choices=[("", "Any stock")] + STOCK_CHOICES
    )
    alert = forms.ChoiceField(
        required=False, choices=[("", "Any alert")] + ALERT_CHOICES
    )
    sort = forms.ChoiceField(required=False, choices=sort_choices(), label="Sort by")
    per_page = forms.TypedChoiceField(
        required=False,
        coerce=int,
        choices=[(str(n), str(n)) for n in PER_PAGE_CHOICES],
        empty_value=DEFAULT_PER_PAGE,
        label="Rows per page",
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=10**9)
    # The row whose category is being chosen without JavaScript (not part of
    # the view: its links leave it out).
    category_of = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    def __init__(self, data=None, **kwargs):
        if data is not None and not data.get("per_page"):
            # So that the select shows the rows actually shown.
            data = data.copy()
            data["per_page"] = str(DEFAULT_PER_PAGE)
        super().__init__(data, **kwargs)
        self.is_valid()  # cleaned_data holds whatever is valid; the rest defaults

    def value(self, name, default=None):
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value

    @property
    def sort_value(self):
        return self.value("sort", DEFAULT_SORT)

    @property
    def rows_per_page(self):
        return self.value("per_page", DEFAULT_PER_PAGE)

    def filter(self, products):
        products = matching(products, self.value("q", ""))
        category = self.value("category")
        if category is not None:
            products = products.filter(category=category)
        stock = self.value("stock")
        if stock:
            products = products.filter(stock_condition(stock))
        alert = self.value("alert")
        if alert:
            products = products.filter(conditions()[ALERT_KINDS[alert]])
        return products.order_by(*ordering(self.sort_value))

    def params(self, **overrides):
        """The view's parameters (without defaults), ``overrides`` applied."""
        category = self.value("category")
        params = {
            "q": self.value("q", "").strip(),
            "category": category.slug if category else "",
            "stock": self.value("stock", ""),
            "alert": self.value("alert", ""),
            "sort": "" if self.sort_value == DEFAULT_SORT else self.sort_value,
            "per_page": (
                "" if self.rows_per_page == DEFAULT_PER_PAGE else self.rows_per_page
            ),
            **overrides,
        }
        return {key: value for key, value in params.items() if value not in ("", None)}

    def query_string(self, **overrides):
        """The view as a query string, without its page unless overridden."""
        return urlencode(self.params(**overrides))

    def sort_link(self, column):
        """The query string that sorts by ``column``: ascending first, then the
        reverse when it is already the sort."""
        sort = f"-{column}" if self.sort_value == column else column
        return self.query_string(sort="" if sort == DEFAULT_SORT else sort)

    def sorted_by(self, column):
        """``"ascending"``, ``"descending"`` or None (``aria-sort``)."""
        if self.sort_value == column:
            return "ascending"
        if self.sort_value == f"-{column}":
            return "descending"
        return None


def stock_condition(stock):
    rules = shop_rules()
    low = Q(quantity__gt=0) & at_or_below_threshold(rules)
    by_status = {
        "out": Q(quantity=0),
        "low": low,
        "in": Q(quantity__gt=0) & ~at_or_below_threshold(rules),
    }
    return by_status[stock]


def last_change(field):
    """A subquery: ``field`` of the product's newest change row."""
    newest = ProductChange.objects.filter(product=OuterRef("pk")).order_by("-pk")
    return Subquery(newest.values(field)[:1])


def with_margin(products):
    """``products`` with the margin the table sorts by (its exports too)."""
    return products.annotate(
        margin_amount=ExpressionWrapper(
            F("price") - F("cost_price"),
            output_field=DecimalField(max_digits=11, decimal_places=2),
        )
    )


def table_products():
    """Every product with what a table row shows, in one query per page: the
    category, the margin (for sorting) and the last change."""
    return with_margin(Product.objects.select_related("category")).annotate(
        last_change_id=last_change("pk"),
        last_change_by=last_change("actor_name"),
        last_change_source=last_change("source"),
        last_change_at=last_change("created_at"),
    )


def page_numbers(number, count, window=PAGE_WINDOW):
    """The page links to show: the first, the last, and ``window`` either side
    of the current one, with ``None`` where pages are left out."""
    wanted = {1, count, *range(number - window, number + window + 1)}
    shown, previous = [], 0
    for page in sorted(n for n in wanted if 1 <= n <= count):
        if page - previous > 1:
            shown.append(None)
        shown.append(page)
        previous = page
    return shown


# The feed's pinned alerts link to these views of the table (stock kinds by the
# stock filter, the others by the alert filter).
ALERT_QUERIES = {
    OUT_OF_STOCK: {"stock": "out"},
    LOW_STOCK: {"stock": "low"},
    EXPIRING: {"alert": "expiring"},
    EXPIRED: {"alert": "expired"},
    BELOW_COST: {"alert": "below_cost"},
}


def alert_query(kind):
    return urlencode(ALERT_QUERIES.get(kind, {}))
