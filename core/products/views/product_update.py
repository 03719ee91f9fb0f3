import copy

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from .. import writes
from ..forms import ProductUpdateForm
from ..models import Product


@require_http_methods(["GET", "HEAD", "POST"])
def product_update(request, slug):
    product = get_object_or_404(Product, slug=slug)
    # The form edits a copy: input it refuses must not show up on the page as
    # the product's name or address (the Cancel link would lead nowhere).
    form = ProductUpdateForm(
        request.POST or None, request.FILES or None, instance=copy.copy(product)
    )
    if request.method == "POST" and form.is_valid():
        saved = writes.product_update(form=form)
        if saved is not None:
            messages.success(request, f"Saved “{saved.name}”.")
            return redirect(saved)
    return render(
        request, "products/product_form.html", {"form": form, "product": product}
    )
