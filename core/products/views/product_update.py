import copy

from django.db.models import Max
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from products.editing import writes
from products.editing.conflict_choices import ConflictChoicesForm, missing_choices
from products.editing.forms import ProductUpdateForm
from products.editing.merging import MINE
from products.editing.stale_edits import kept_message
from products.history import undo_messages
from products.models import ProductChange
from products.views.refusals import gone, product_to_write


@require_http_methods(["GET", "HEAD", "POST"])
def product_update(request, slug):
    # Read before the product: the form's warnings socket resumes from here.
    live_after = ProductChange.objects.aggregate(latest=Max("pk"))["latest"]
    try:
        product = product_to_write(slug)
        # The form edits a copy: input it refuses must not show up on the page
        # as the product's name or address (the Cancel link would lead nowhere),
        # and the loaded values stay what the version says was committed.
        form = ProductUpdateForm(
            request.POST or None, request.FILES or None, instance=copy.copy(product)
        )
        choices = ConflictChoicesForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            updated = writes.product_update_merging(
                product=product,
                form=form,
                version=form.cleaned_data["version"],
                chosen=choices.chosen(),
                base=choices.base(),
            )
            if updated is not None:
                saved = f"Saved “{updated.product.name}”."
                kept = kept_message(updated.kept)
                text = f"{saved} {kept}" if kept else saved
                undo_messages.saved(request, text, updated.product)
                return redirect(updated.product)
    except writes.ProductGone as refusal:
        return gone(request, refusal)
    except writes.MergeConflict as conflict:
        return stale(request, form, conflict, choices)
    context = {"form": form, "product": product, "live_after": live_after}
    return render(request, "products/product_form.html", context)


def stale(request, form, conflict, choices):
    """409: the fields both the user and someone else changed since the form was
    opened, each with a choice to make; the form again at the current version,
    holding the merge of the rest (their values where only they changed a
    field) and the user's values for the conflicting fields."""
    current = conflict.product
    conflicting = {item.field for item in conflict.conflicts}
    mine = {
        name: value
        for name, value in form.cleaned_data.items()
        if name not in ("image", "version")  # a browser cannot be handed a file
        and (name in conflicting or conflict.merge.sides.get(name) == MINE)
    }
    form = ProductUpdateForm(
        instance=copy.copy(current), initial={**mine, "version": current.version}
    )
    context = {
        "form": form,
        "product": current,
        "conflict": conflict,
        # Choices already made stay made when the page comes back.
        "made_choices": {
            name: side
            for name, side in choices.chosen().items()
            if name not in conflicting
        },
        "missing": missing_choices(conflict) if choices.attempted else "",
        "image_not_kept": bool(request.FILES.get("image")),
    }
    return render(request, "products/product_form.html", context, status=409)
