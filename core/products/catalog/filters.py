"""The catalog's query string: search, category and sort, read leniently."""

from urllib.parse import urlencode

from django import forms

from products.catalog.search import matching
from products.models import Category


class CatalogFilterForm(forms.Form):
    """The catalog's query string. Invalid values fall back to the defaults."""

    SORTS = {
        "name": ("name", "Name A–Z"),
        "-name": ("-name", "Name Z–A"),
        "price": ("price", "Price, low to high"),
        "-price": ("-price", "Price, high to low"),
        "quantity": ("quantity", "Stock, low to high"),
        "-quantity": ("-quantity", "Stock, high to low"),
        "newest": ("-created_at", "Newest first"),
    }
    DEFAULT_SORT = "name"

    q = forms.CharField(required=False, max_length=100, label="Search")
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(),
        required=False,
        to_field_name="slug",
        empty_label="All categories",
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[(key, label) for key, (_, label) in SORTS.items()],
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.is_valid()  # populate cleaned_data with whatever is valid

    def value(self, name, default=None):
        return self.cleaned_data.get(name) or default

    @property
    def searched(self):
        return bool(self.value("q", "").strip())

    def filter(self, products):
        products = matching(products, self.value("q", ""))
        category = self.value("category")
        if category is not None:
            products = products.filter(category=category)
        order, _ = self.SORTS[self.value("sort", self.DEFAULT_SORT)]
        return products.order_by(order, "pk")

    def query_string(self, **overrides):
        """The active filters as a query string, without the page."""
        params = {
            "q": self.value("q", "").strip(),
            "category": getattr(self.value("category"), "slug", ""),
            "sort": self.value("sort", ""),
            **overrides,
        }
        return urlencode({key: value for key, value in params.items() if value})
