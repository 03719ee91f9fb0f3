from django.shortcuts import render
from django.views.decorators.http import require_safe

from ..caching import conditional_page, page_validators, product_validators
from ..former_slugs import follows_former_slugs


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
    return render(request, "products/product_detail.html", {"product": found.product})
