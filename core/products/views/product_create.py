from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from products.editing import writes
from products.editing.forms import ProductForm
from products.history import undo_messages


@require_http_methods(["GET", "HEAD", "POST"])
def product_create(request):
    form = ProductForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        product = writes.product_create(form=form)
        if product is not None:
            undo_messages.created(request, f"Created “{product.name}”.", product)
            return redirect(product)
    return render(request, "products/product_form.html", {"form": form})
