import copy

from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import undo_messages, writes
from ..forms import ProductUpdateForm
from .refusals import gone, product_to_write


@require_http_methods(["GET", "HEAD", "POST"])
def product_update(request, slug):
    try:
        product = product_to_write(slug)
        # The form edits a copy: input it refuses must not show up on the page
        # as the product's name or address (the Cancel link would lead nowhere),
        # and the loaded values stay what the version says was committed.
        form = ProductUpdateForm(
            request.POST or None, request.FILES or None, instance=copy.copy(product)
        )
        if request.method == "POST" and form.is_valid():
            saved = writes.product_update(
                product=product, form=form, version=form.cleaned_data["version"]
            )
            if saved is not None:
                undo_messages.saved(request, f"Saved “{saved.name}”.", saved)
                return redirect(saved)
    except writes.ProductGone as refusal:
        return gone(request, refusal)
    except writes.StaleVersion as refusal:
        return stale(request, form, refusal)
    return render(
        request, "products/product_form.html", {"form": form, "product": product}
    )


def stale(request, form, refusal):
    """409: the form again with the user's values, what changed since it was
    opened, and the current version, so that saving again applies them."""
    current = refusal.product
    kept = {
        name: value
        for name, value in form.cleaned_data.items()
        if name not in ("image", "version")  # a browser cannot be handed a file
    }
    form = ProductUpdateForm(
        instance=copy.copy(current), initial={**kept, "version": current.version}
    )
    context = {
        "form": form,
        "product": current,
        "conflict": refusal,
        "image_not_kept": bool(request.FILES.get("image")),
    }
    return render(request, "products/product_form.html", context, status=409)
