from django.conf import settings
from django.contrib import messages
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import push_url

from products.editing import writes
from products.models import ProductChange

from .alerts import pinned as pinned_alerts
from .export import async_chunks, csv_chunks
from .feed import counters, latest_change_id, recent_changes
from .filters import FeedFilters
from .trends import feed_trends


def older_than(request):
    try:
        return int(request.GET["before"])
    except (KeyError, ValueError):
        return None


@require_safe
def product_feed(request):
    """The live feed page, filtered by the query parameters; with ``before``,
    the rows older than that event.

    htmx asks for just the next rows ("Load older") or, from the filter form, for
    the filtered rows; without JavaScript the same URLs are full pages.
    """
    filters = FeedFilters(request.GET)
    before = older_than(request)
    # Read before the rows: pushed rows after this one arrived after the page.
    latest = latest_change_id()
    partial = request.htmx and not request.htmx.history_restore_request
    # The live page is rendered at this point of the change log and its socket
    # resumes from it: it shows no row after it (one committed meanwhile comes
    # over the socket, once).
    upto = latest + 1 if before is None and not partial else before
    changes, more = recent_changes(
        settings.FEED_PAGE_SIZE, before=upto, filters=filters
    )
    context = {
        "changes": changes,
        "more": more,
        "before": before,
        "filters": filters,
        "query": filters.query_string(),
        "latest": latest,
    }
    status = 400 if filters.errors else 200
    if partial and before is not None:
        return render(request, "dashboard/_feed_page.html", context, status=status)
    if partial:
        # 200 even with invalid filters: htmx does not swap a 400, and the
        # answer carries the errors to show beside the form.
        response = render(request, "dashboard/_feed_filtered.html", context)
        query = context["query"]
        return push_url(response, f"{request.path}?{query}" if query else request.path)
    context["counters"] = counters()
    context["stock_alerts"] = pinned_alerts()
    context["trends"] = feed_trends(context["counters"]["units"])
    return render(request, "dashboard/product_feed.html", context, status=status)


@require_safe
def change_detail(request, pk):
    """One change with every value in full (feed rows shorten long ones)."""
    change = get_object_or_404(ProductChange, pk=pk)
    return render(request, "dashboard/change_detail.html", {"change": change})


@require_safe
def changes_export(request):
    """The changes the same filters show on the feed, oldest first, as CSV."""
    filters = FeedFilters(request.GET)
    if not filters.is_valid():
        errors = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in filters.errors.items()
        )
        return HttpResponseBadRequest(
            f"Invalid filters: {errors}", content_type="text/plain; charset=utf-8"
        )
    changes = filters.filter(ProductChange.objects.order_by("pk"))
    chunks = csv_chunks(changes, field=filters.value("field"))
    if isinstance(request, ASGIRequest):
        chunks = async_chunks(chunks)
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = (
        f'attachment; filename="product-changes-{stamp}.csv"'
    )
    return response


@require_POST
def change_restore(request, pk):
    """Brings back the product that deletion ``pk`` deleted, then shows it with
    what did not come back; a refusal (restored already, its SKU taken) is a 409
    page that says why."""
    deletion = get_object_or_404(ProductChange, pk=pk)
    try:
        restored = writes.product_restore(deletion=deletion)
    except writes.CannotUndo as refusal:
        context = {"change": deletion, "refusal": refusal}
        return render(request, "dashboard/restore_refused.html", context, status=409)
    messages.success(request, f"Restored “{restored.product.name}”.")
    for note in restored.notes:
        messages.warning(request, note)
    return redirect(restored.product)
