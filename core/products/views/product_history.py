from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from products.history.change_display import show_changes
from products.history.former_slugs import follows_former_slugs
from products.history.series import price_and_stock
from products.models import Product


@require_safe
@follows_former_slugs
def product_history(request, slug):
    """Every recorded change of one product, newest first. Changes are linked to
    the product itself, so those made under an earlier slug are here too."""
    product = get_object_or_404(Product, slug=slug)
    changes = product.changes.select_related("product", "batch").order_by("-pk")
    page = Paginator(changes, settings.FEED_PAGE_SIZE).get_page(request.GET.get("page"))
    # Related names and reverts for the whole page at once, not row by row.
    page.object_list = show_changes(list(page.object_list))
    return render(
        request,
        "products/product_history.html",
        {"product": product, "page": page, "history": price_and_stock(product)},
    )
