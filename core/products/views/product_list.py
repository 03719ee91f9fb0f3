from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_safe

from products.catalog.caching import (
    catalog_validators,
    conditional_page,
    page_validators,
)
from products.catalog.filters import CatalogFilterForm
from products.catalog.paging import CappedPaginator
from products.models import Product
from products.transfer.bulk import BulkActionForm


@require_safe
@conditional_page(catalog_validators)
def product_list(request):
    filters = CatalogFilterForm(request.GET)
    products = filters.filter(Product.objects.select_related("category"))
    page = CappedPaginator(
        products, settings.CATALOG_PAGE_SIZE, searched=filters.searched
    ).get_page(request.GET.get("page"))
    # htmx swaps only the results; a history restore needs the whole page.
    partial = request.htmx and not request.htmx.history_restore_request
    context = {
        "filters": filters,
        "page": page,
        "query": filters.query_string(),
        "partial": partial,
        "bulk_form": BulkActionForm(),
        # Read with the validators, before the products: the live socket resumes
        # from it.
        "live_after": page_validators(request).point,
    }
    template = "products/_results.html" if partial else "products/product_list.html"
    return render(request, template, context)
