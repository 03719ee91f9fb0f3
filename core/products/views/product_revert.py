"""Reverting one recorded update of a product: GET shows what reverting would set
back, POST writes it (``writes.product_revert``)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from products.editing import writes
from products.editing.forms import ProductRevertForm
from products.history.former_slugs import follows_former_slugs
from products.history.reverts import CannotUndo, revert_plan
from products.models import Product, ProductChange
from products.views.refusals import gone


@require_http_methods(["GET", "HEAD", "POST"])
@follows_former_slugs
def product_revert(request, slug, change_id):
    product = get_object_or_404(Product.objects.select_related("category"), slug=slug)
    change = change_of(product, change_id)
    form = ProductRevertForm(request.POST if request.method == "POST" else None)
    try:
        if request.method == "POST" and form.is_valid():
            saved = writes.product_revert(
                product=product, change=change, version=form.cleaned_data["version"]
            )
            messages.success(
                request, f"Reverted change #{change.pk} of “{saved.name}”."
            )
            return redirect("product-history", slug=saved.slug)
        status = 400 if form.is_bound else 200  # bound and invalid: no version
        return page(request, product, change, revert_plan(product, change), status)
    except CannotUndo as refusal:
        context = {"product": product, "change": change, "refusal": refusal}
        return render(request, "products/product_revert.html", context, status=400)
    except writes.ProductGone as refusal:
        return gone(request, refusal)
    except writes.StaleVersion as refusal:
        plan = revert_plan(refusal.product, change)
        return page(request, refusal.product, change, plan, 409, conflict=refusal)
    except writes.RevertBlocked as refusal:
        return page(request, refusal.product, change, refusal.plan, 409)


def change_of(product, change_id):
    """The change ``change_id`` if it is one of ``product``'s (a deletion belongs
    to no product any more: it is refused with the reason, not hidden)."""
    change = get_object_or_404(
        ProductChange.objects.select_related("product"), pk=change_id
    )
    if (
        change.product_id != product.pk
        and change.action != ProductChange.Action.DELETED
    ):
        raise Http404("No such change of this product.")
    return change


def page(request, product, change, plan, status, **context):
    """The revert page for ``product`` as it is now, carrying its version."""
    form = ProductRevertForm(initial={"version": product.version})
    context = {
        "product": product,
        "change": change,
        "plan": plan,
        "form": form,
        "incomplete": status == 400,
        **context,
    }
    return render(request, "products/product_revert.html", context, status=status)
