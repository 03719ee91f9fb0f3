from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import FileExtensionValidator
from django.db.models import Q
from django.template.defaultfilters import filesizeformat

from .models import Category, Product

ALLOWED_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
ALLOWED_IMAGE_EXTENSIONS = ["jpg", "jpeg", "png", "webp", "gif"]
IMAGE_FORMAT_MESSAGE = "Upload a JPEG, PNG, WebP or GIF image."


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
        widgets = {
            "image": forms.ClearableFileInput(
                attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
            ),
            "description": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "price": "In dollars, up to 2 decimal places.",
            "image": "JPEG, PNG, WebP or GIF, at most 5 MB.",
        }
        error_messages = {
            "sku": {"unique": "Another product already uses this SKU."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Instead of Django's default, which accepts (and lists) every extension
        # Pillow knows, such as .pdf or .eps: the file is served by its extension.
        self.fields["image"].validators = [
            FileExtensionValidator(
                ALLOWED_IMAGE_EXTENSIONS, message=IMAGE_FORMAT_MESSAGE
            )
        ]

    def clean_sku(self):
        return self.cleaned_data["sku"].strip().upper()

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if not isinstance(image, UploadedFile):
            return image  # unchanged, cleared, or none
        limit = settings.PRODUCT_IMAGE_MAX_BYTES
        if image.size > limit:
            # Exact figures: rounded ones could read "5.0 MB; the limit is 5.0 MB".
            raise forms.ValidationError(
                f"The image is {image.size:,} bytes; "
                f"the limit is {filesizeformat(limit)} ({limit:,} bytes)."
            )
        # Django's ImageField has already opened and verified the file with Pillow.
        picture = getattr(image, "image", None)
        if picture is None or picture.format not in ALLOWED_IMAGE_FORMATS:
            raise forms.ValidationError(IMAGE_FORMAT_MESSAGE)
        width, height = picture.size
        if width * height > settings.PRODUCT_IMAGE_MAX_PIXELS:
            raise forms.ValidationError(
                f"The image is {width}×{height} pixels; "
                f"at most {settings.PRODUCT_IMAGE_MAX_PIXELS:,} pixels are allowed."
            )
        return image


class ProductUpdateForm(ProductForm):
    """Staff may also change the web address explicitly when editing."""

    class Meta(ProductForm.Meta):
        fields = ["name", "slug", *ProductForm.Meta.fields[1:]]
        help_texts = {
            **ProductForm.Meta.help_texts,
            "slug": "Changing it changes the product's web address.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = True


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
