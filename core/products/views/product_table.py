from urllib.parse import urlsplit

from django.db.models import Max
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from products.catalog.paging import CappedPaginator
from products.history.series import stock_sparklines
from products.models import Category, ProductChange
from products.table import selection
from products.table.query import SORT_COLUMNS, TableForm, page_numbers, table_products
from products.transfer.bulk import BulkActionForm


@require_safe
def product_table(request):
    """The staff product table: a view of it is its address; htmx swaps the
    table part and the address follows."""
    view = TableForm(request.GET)
    # Read before the rows: the table's socket resumes from this point.
    live_after = ProductChange.objects.aggregate(latest=Max("pk"))["latest"]
    page = CappedPaginator(
        view.filter(table_products()),
        view.rows_per_page,
        searched=bool(view.value("q", "").strip()),
    ).get_page(view.value("page"))
    page.object_list = list(page.object_list)
    partial = request.htmx and not request.htmx.history_restore_request
    chosen = selection.selected(request.session)
    context = {
        "view": view,
        "page": page,
        "page_numbers": page_numbers(page.number, page.paginator.num_pages),
        "columns": columns(view),
        "query": view.query_string(),
        "here": request.get_full_path(),
        "partial": partial,
        "selected": set(chosen),
        "selected_count": len(chosen),
        "sparklines": stock_sparklines(product.pk for product in page.object_list),
        "categories": list(Category.objects.order_by("name")),
        "show_costs": True,  # the table's own permission (view_product)
        "bulk_form": BulkActionForm(),
        "live_after": live_after,
    }
    template = "products/table/table.html" if partial else "products/product_table.html"
    return render(request, template, context)


def columns(view):
    """The sortable column headers: label, sort link, aria-sort."""
    return {
        key: {
            "label": label,
            "link": view.sort_link(key),
            "sorted": view.sorted_by(key),
        }
        for key, (label, _) in SORT_COLUMNS.items()
    }


@require_POST
def table_selection(request):
    """Ticks and unticks from the table; answers the selection bar (htmx) or
    goes back to the table view it came from."""
    if not selection.update(request.session, request.POST):
        return HttpResponseBadRequest(
            f"At most {selection.MAX_SELECTED:,} products can be selected."
        )
    if request.htmx:
        return render(
            request,
            "products/table/selection.html",
            {"selected_count": len(selection.selected(request.session)), "oob": False},
        )
    return redirect(back_to_table(request))


def back_to_table(request, *candidates):
    """The table view a post came from (``next``, or another candidate such as
    the referring page) if it is one of ours, else the table itself."""
    table = reverse("products:manage")
    for target in (request.POST.get("next"), request.GET.get("next"), *candidates):
        if not target:
            continue
        if (
            url_has_allowed_host_and_scheme(
                target,
                allowed_hosts={request.get_host()},
                require_https=request.is_secure(),
            )
            and urlsplit(target).path == table
        ):
            return target
    return table
