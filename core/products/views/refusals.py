"""What the edit and delete pages answer when the product changed or went away
since the page was opened (``writes.StaleVersion``, ``writes.ProductGone``)."""

from django.http import Http404
from django.shortcuts import render

from ..models import Product, ProductChange
from ..writes import ProductGone


def product_to_write(slug):
    """The product at ``slug``, with what its change rows show. Raises
    ``ProductGone`` for a product deleted from that address, else 404."""
    product = Product.objects.select_related("category").filter(slug=slug).first()
    if product is not None:
        return product
    deletion = (
        ProductChange.objects.filter(
            action=ProductChange.Action.DELETED, product_slug=slug
        )
        .order_by("-pk")
        .first()
    )
    if deletion is None:
        raise Http404("No product at this address.")
    raise ProductGone(None, deletion)


def gone(request, refusal):
    """410: the product was deleted; with who deleted it and when, if recorded."""
    deletion = refusal.deletion
    name = deletion.product_name if deletion else refusal.product.name
    context = {"name": name, "deletion": deletion}
    return render(request, "products/product_gone.html", context, status=410)
