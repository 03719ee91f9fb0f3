from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from ..former_slugs import follows_former_slugs
from ..models import Product


@require_safe
@follows_former_slugs
def product_detail(request, slug):
    product = get_object_or_404(Product.objects.select_related("category"), slug=slug)
    return render(request, "products/product_detail.html", {"product": product})
