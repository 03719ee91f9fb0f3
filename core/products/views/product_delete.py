from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from .. import writes
from ..models import Product


@require_http_methods(["GET", "HEAD", "POST"])
def product_delete(request, slug):
    product = get_object_or_404(Product, slug=slug)
    if request.method == "POST":
        writes.product_delete(product=product)
        messages.success(request, f"Deleted “{product.name}”.")
        return redirect("product-list")
    return render(request, "products/product_confirm_delete.html", {"product": product})
