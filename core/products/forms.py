from urllib.parse import urlencode

from django import forms
from django.db.models import Q

from .models import Category, Product
from .widgets import ProductImageInput

# A form without its version cannot say what its values were written over.
INCOMPLETE_FORM = (
    "This form was sent without the version it was opened at; reload the page "
    "and make your changes again."
)


def version_field():
    """The hidden field carrying the product version a form was opened at."""
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": INCOMPLETE_FORM,
            "invalid": INCOMPLETE_FORM,
            "min_value": INCOMPLETE_FORM,
        },
    )


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = [
            "name",
            "sku",
            "category",
            "price",
            "quantity",
            "supplier",
            "description",
            "image",
        ]
        # The model field checks uploads (format, size, pixels, completeness), so
        # this form, the admin and full_clean() give the same answers. Django's
        # form ImageField would check first, with a list of every extension
        # Pillow knows and without spotting files cut short.
        field_classes = {"image": forms.FileField}
        widgets = {
            "image": ProductImageInput(
                attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
            ),
            "description": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "price": "In dollars, up to 2 decimal places.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].empty_label = "No category"

    def clean_sku(self):
        return self.cleaned_data["sku"].strip().upper()


class ProductUpdateForm(ProductForm):
    """Staff may also change the web address explicitly when editing. The form
    carries the version it was opened at (see ``writes.product_update``)."""

    version = version_field()

    class Meta(ProductForm.Meta):
        fields = ["name", "slug", *ProductForm.Meta.fields[1:]]
        help_texts = {
            **ProductForm.Meta.help_texts,
            "slug": "Changing it changes the product's web address.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = True
        self.initial.setdefault("version", self.instance.version)


class ProductDeleteForm(forms.Form):
    """The delete confirmation: the version the product was shown at."""

    version = version_field()


class ProductRevertForm(ProductDeleteForm):
    """The revert confirmation: also just the version the product was shown at."""


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
