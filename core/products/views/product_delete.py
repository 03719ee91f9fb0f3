from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from products.editing import writes
from products.editing.forms import ProductDeleteForm
from products.history import undo_messages
from products.views.refusals import gone, product_to_write


@require_http_methods(["GET", "HEAD", "POST"])
def product_delete(request, slug):
    try:
        product = product_to_write(slug)
        if request.method != "POST":
            return confirm(request, product)
        form = ProductDeleteForm(request.POST)
        if not form.is_valid():
            return confirm(request, product, incomplete=True, status=400)
        writes.product_delete(product=product, version=form.cleaned_data["version"])
    except writes.ProductGone as refusal:
        return gone(request, refusal)
    except writes.StaleVersion as refusal:
        return confirm(request, refusal.product, conflict=refusal, status=409)
    undo_messages.deleted(request, f"Deleted “{product.name}”.", product.slug)
    return redirect("product-list")


def confirm(request, product, status=200, **context):
    """The confirmation page, for ``product`` at its current version."""
    form = ProductDeleteForm(initial={"version": product.version})
    context = {"product": product, "form": form, **context}
    return render(
        request, "products/product_confirm_delete.html", context, status=status
    )
