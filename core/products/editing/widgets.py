from django import forms


class ProductImageInput(forms.ClearableFileInput):
    """The product image field: a thumbnail of the current image, a labelled
    "Remove image" box and a file input. Without JavaScript that is the whole
    widget; with it, ``image-input.js`` previews the chosen file before saving."""

    template_name = "products/widgets/image_input.html"
    clear_checkbox_label = "Remove image"

    class Media:
        js = [forms.Script("js/image-input.js", defer=True)]
