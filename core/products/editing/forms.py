from django import forms
from django.conf import settings

from products.editing.widgets import ProductImageInput
from products.images import rules as images
from products.models import Product
from products.models.product import normal_sku

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


# Labels, help and messages of the stock fields, shared with the admin's form.
# "Unit cost", not "Cost price": a label containing "Price" would make the price
# field ambiguous to anyone finding fields by their label (assistive technology's
# search, tests).
STOCK_LABELS = {
    "cost_price": "Unit cost",
    "expiry_date": "Expiry date",
    "low_stock_threshold": "Low-stock threshold",
}
STOCK_HELP = {
    "cost_price": (
        "What the shop pays for one unit (its cost price), in dollars. Staff "
        "only: shoppers never see it. Staff see the margin from it."
    ),
    "expiry_date": "Best before or use by. Staff are alerted {days} days ahead.",
    "low_stock_threshold": (
        "Low stock at or below this many units. Leave empty for the shop's "
        "threshold ({threshold})."
    ),
}
STOCK_ERRORS = {
    "cost_price": {
        "min_value": "A cost price cannot be negative.",
        "invalid": "Enter the cost in dollars, such as 4.20.",
        "max_whole_digits": "Enter at most 8 digits before the decimal point.",
        "max_decimal_places": "Enter at most 2 decimal places (cents).",
    },
    "expiry_date": {"invalid": "Enter a date as YYYY-MM-DD, such as 2026-06-30."},
    "low_stock_threshold": {
        "min_value": "A threshold cannot be negative.",
        "invalid": "Enter a whole number of units.",
    },
}


def stock_help_texts():
    """The stock fields' help, with the shop's current settings in it."""
    return {
        "cost_price": STOCK_HELP["cost_price"],
        "expiry_date": STOCK_HELP["expiry_date"].format(
            days=settings.EXPIRY_ALERT_DAYS
        ),
        "low_stock_threshold": STOCK_HELP["low_stock_threshold"].format(
            threshold=settings.LOW_STOCK_THRESHOLD
        ),
    }


def describe_stock_fields(form):
    """Labels, help (with the current settings) and messages on a model form's
    stock fields: ours and the admin's read the same."""
    for name, help_text in stock_help_texts().items():
        field = form.fields.get(name)
        if field is None:
            continue
        field.label = STOCK_LABELS[name]
        field.help_text = help_text
        field.error_messages.update(STOCK_ERRORS[name])
    image = form.fields.get("image")
    if image is not None:
        image.help_text = images.help_text()


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = [
            "name",
            "sku",
            "category",
            "price",
            "cost_price",
            "quantity",
            "low_stock_threshold",
            "expiry_date",
            "supplier",
            "description",
            "image",
        ]
        # Messages of the model's own checks (a negative cost, say), by code.
        error_messages = STOCK_ERRORS
        # The model field checks uploads (format, size, pixels, completeness), so
        # this form, the admin and full_clean() give the same answers. Django's
        # form ImageField would check first, with a list of every extension
        # Pillow knows and without spotting files cut short.
        field_classes = {"image": forms.FileField}
        widgets = {
            "image": ProductImageInput(attrs={"accept": images.ACCEPT}),
            "description": forms.Textarea(attrs={"rows": 5}),
            "expiry_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "price": "In dollars, up to 2 decimal places.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].empty_label = "No category"
        describe_stock_fields(self)

    def clean_sku(self):
        return normal_sku(self.cleaned_data["sku"])


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
