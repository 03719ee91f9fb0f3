from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.roles import WATCH_FEED, has_staff_permission
from products.catalog.caching import (
    conditional_page,
    page_validators,
    product_validators,
)
from products.history.former_slugs import follows_former_slugs
from products.history.series import price_and_stock


@require_safe
@follows_former_slugs
@conditional_page(product_validators)
def product_detail(request, slug):
    # Read with the validators, in the same query.
    found = page_validators(request)
    if found is None:
        # Rendered here rather than raised as Http404: with DEBUG on (make run)
        # Django would show its technical 404, and a mistyped product address is
        # the first error page a newcomer meets. Unknown URLs keep Django's
        # technical page under DEBUG, which lists the URL patterns.
        return render(request, "404.html", status=404)
    product = found.product
    # The product's latest change, read with it: its live socket resumes there.
    context = {"product": product, "live_after": found.point}
    if has_staff_permission(request.user, WATCH_FEED):
        # Drawn from the change rows, which only staff who see history may read.
        context["history"] = price_and_stock(product)
    return render(request, "products/product_detail.html", context)
