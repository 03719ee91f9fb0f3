from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from products.models import ProductChange

from .feed import counters, recent_changes
from .protocol import CLOSE_NOT_ALLOWED, RECONNECT_CODES


def older_than(request):
    try:
        return int(request.GET["before"])
    except (KeyError, ValueError):
        return None


@require_safe
def product_feed(request):
    """The live feed page; with ``before``, the rows older than that event.

    htmx asks for just the next rows ("Load older"); without JavaScript the same
    URL is a full page.
    """
    before = older_than(request)
    changes, more = recent_changes(settings.FEED_PAGE_SIZE, before=before)
    context = {"changes": changes, "more": more, "before": before}
    if request.htmx and before is not None:
        return render(request, "dashboard/_feed_page.html", context)
    context["counters"] = counters()
    # The page's script reads the server's close codes from the page.
    context["reconnect_codes"] = " ".join(map(str, RECONNECT_CODES))
    context["not_allowed_codes"] = str(CLOSE_NOT_ALLOWED)
    return render(request, "dashboard/product_feed.html", context)


@require_safe
def change_detail(request, pk):
    """One change with every value in full (feed rows shorten long ones)."""
    change = get_object_or_404(ProductChange, pk=pk)
    return render(request, "dashboard/change_detail.html", {"change": change})
