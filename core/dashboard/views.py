from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .feed import counters, recent_changes


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
    return render(request, "dashboard/product_feed.html", context)
