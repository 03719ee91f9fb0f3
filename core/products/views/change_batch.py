from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from products.history.change_display import show_changes
from products.models import ChangeBatch


@require_safe
def change_batch(request, pk):
    """Every change of one batch (an import, a bulk action), in the order made;
    the feed's entry for the batch unfolds only the first few."""
    batch = get_object_or_404(ChangeBatch, pk=pk)
    changes = batch.changes.select_related("product", "batch").order_by("pk")
    page = Paginator(changes, settings.FEED_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = show_changes(list(page.object_list))
    context = {"batch": batch, "page": page, "rows": rows}
    return render(request, "products/change_batch.html", context)
