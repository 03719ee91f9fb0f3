from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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
from products.table.rows import render_rows, row_permissions, table_rows
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
    categories = list(Category.objects.order_by("name"))
    context = {
        "view": view,
        "page": page,
        "page_numbers": page_numbers(page.number, page.paginator.num_pages),
        "columns": columns(view),
        "query": view.query_string(),
        "here": without_choosing(request.get_full_path()),
        "partial": partial,
        "selected_count": len(chosen),
        "rows": table_rows(
            page.object_list,
            sparklines=stock_sparklines(product.pk for product in page.object_list),
            selected=set(chosen),
            choosing=view.value("category_of"),
            categories=categories,
        ),
        # Without JavaScript, a row's "Other categories" shows this view with
        # that row's select listing every category.
        "choose_link": f"?{view.query_string(page=page.number)}&category_of=",
        "categories": categories,
        "show_costs": True,  # the table's own permission (view_product)
        **row_permissions(request.user),
        # Named, though empty: a name a template looks up in vain costs an
        # exception, per row.
        "oob": False,
        "flash": frozenset(),
        "cells": frozenset(),
        "bulk_form": BulkActionForm(),
        "live_after": live_after,
    }
    context["rows_html"] = render_rows(context, request)
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
            return without_choosing(target)
    return table


def without_choosing(path):
    """A table view's ``path`` without the row whose category was being chosen
    (``category_of``): a save goes back to the view itself."""
    parts = urlsplit(path)
    if "category_of" not in parts.query:
        return path
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key != "category_of"
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))
