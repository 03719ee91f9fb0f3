from django.shortcuts import render
from django.views.decorators.http import require_safe

from ..former_slugs import follows_former_slugs
from ..models import Product


@require_safe
@follows_former_slugs
def product_detail(request, slug):
    product = Product.objects.select_related("category").filter(slug=slug).first()
    if product is None:
        # Rendered here rather than raised as Http404: with DEBUG on (make run)
        # Django would show its technical 404, and a mistyped product address is
        # the first error page a newcomer meets. Unknown URLs keep Django's
        # technical page under DEBUG, which lists the URL patterns.
        return render(request, "404.html", status=404)
    return render(request, "products/product_detail.html", {"product": product})
