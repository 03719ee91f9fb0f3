"""What the edit and delete pages answer when the product changed or went away
since the page was opened (``writes.StaleVersion``, ``writes.ProductGone``)."""

from django.http import Http404
from django.shortcuts import render

from products.editing.writes import ProductGone
from products.history.reverts import deletion_at
from products.models import Product


def product_to_write(slug):
    """The product at ``slug``, or the one that had ``slug`` before its address
    changed (a form opened before the change is then refused with it, not lost to
    a redirect that drops what was posted). Raises ``ProductGone`` for a product
    deleted from that address, else 404."""
    products = Product.objects.select_related("category")
    product = products.filter(slug=slug).first()
    if product is None:
        product = products.filter(former_slugs__slug=slug).first()
    if product is not None:
        return product
    deletion = deletion_at(slug)
    if deletion is None:
        raise Http404("No product at this address.")
    raise ProductGone(None, deletion)


def gone(request, refusal):
    """410: the product was deleted; with who deleted it and when, if recorded."""
    deletion = refusal.deletion
    name = deletion.product_name if deletion else refusal.product.name
    context = {"name": name, "deletion": deletion}
    return render(request, "products/product_gone.html", context, status=410)
