"""Bulk actions: the catalog posts a selection and an action here; the answer
is a preview that writes nothing; confirming applies it as one change batch.

The preview carries the version of every product it showed; confirming is
refused (409) if any of them changed or went since, as a stale edit form is.
"""

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from products.editing import writes
from products.history import batches, undo_messages
from products.models import Product
from products.table import selection
from products.transfer import bulk
from products.views.product_table import back_to_table


@require_http_methods(["GET", "HEAD", "POST"])
def product_bulk(request):
    if request.method != "POST":
        return redirect("product-list")  # products are chosen in the catalog
    form = bulk.BulkActionForm(request.POST)
    if "versions" in request.POST:
        return apply(request, form)
    limit = settings.BULK_MAX_PRODUCTS
    products = list(chosen_products(request)[: limit + 1])
    if not products or len(products) > limit:
        problem = str(bulk.TooMany()) if products else "No products were chosen."
        return show(request, {"form": form, "problem": problem}, status=400)
    if not form.is_valid():
        return show(request, {"form": form, "products": products}, status=400)
    plan = bulk.plan(form, products)
    context = {
        "form": form,
        "plan": plan,
        "versions": bulk.versions_text(products),
    }
    return show(request, context)


def chosen_products(request):
    """The products of the post; the staff table's selection lives in the
    session (it spans pages)."""
    if request.POST.get("scope") == "table_selection":
        pks = selection.selected(request.session)
        return (
            Product.objects.select_related("category")
            .filter(pk__in=pks)
            .order_by("name", "pk")
        )
    return bulk.selected_products(request.POST)


def apply(request, form):
    try:
        versions = bulk.read_versions(request.POST["versions"])
    except bulk.TooMany as too_many:
        return show(request, {"form": form, "problem": str(too_many)}, status=400)
    if not form.is_valid() or not versions:
        problem = "This preview is incomplete; choose the products again."
        return show(request, {"form": form, "problem": problem}, status=400)
    products, gone = bulk.previewed_products(versions)
    plan = bulk.plan(form, products)
    context = {"form": form, "plan": plan, "since_preview": True}
    try:
        if gone:
            raise writes.BatchStale(gone)
        if plan.errors:
            return show(request, context, status=409)
        batch = writes.products_bulk(items=plan.items(versions), label=form.label)
    except writes.BatchStale as stale:
        return show(request, {**context, "stale": stale}, status=409)
    done = batches.headline(batch) if batch else "nothing changed"
    undo_messages.batch_done(request, f"Applied {form.label}: {done}.", batch)
    # Back to the table view the action started from, else the catalog.
    url = back_to_table(request) if returning(request) else reverse("product-list")
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def returning(request):
    """Whether the post came from the staff table (it names its view)."""
    return bool(request.POST.get("next"))


def show(request, context, status=200):
    context["next"] = back_to_table(request) if returning(request) else ""
    if request.htmx:
        # htmx swaps only 2xx answers: the page part says what went wrong.
        return render(request, "products/_bulk.html", context)
    return render(request, "products/product_bulk.html", context, status=status)
