"""What the edit and delete pages answer when the product changed or went away
since the page was opened (``writes.StaleVersion``, ``writes.ProductGone``)."""

from django.http import Http404
from django.shortcuts import render

from ..models import Product, ProductChange
from ..writes import ProductGone


def product_to_write(slug):
    """The product at ``slug``, or at ``slug`` before its address changed (so a
    form opened before the change is refused with it, not lost). Raises
    ``ProductGone`` for a product deleted from that address, else 404."""
    product = Product.objects.select_related("category").filter(slug=slug).first()
    if product is not None:
        return product
    # Rare (staff pages, an address that is no longer current), so the change
    # rows are searched rather than an index kept for it on every write.
    latest = ProductChange.objects.filter(product_slug=slug).order_by("-pk").first()
    if latest is not None and latest.action == ProductChange.Action.DELETED:
        raise ProductGone(None, latest)
    if latest is not None and latest.product_id is not None:
        return Product.objects.select_related("category").get(pk=latest.product_id)
    raise Http404("No product at this address.")


def gone(request, refusal):
    """410: the product was deleted; with who deleted it and when, if recorded."""
    deletion = refusal.deletion
    name = deletion.product_name if deletion else refusal.product.name
    context = {"name": name, "deletion": deletion}
    return render(request, "products/product_gone.html", context, status=410)
