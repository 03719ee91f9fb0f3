"""Undoing a whole batch (an import, a bulk action): GET previews every product
of it, now and after the undo, marking those that moved on since; POST undoes it
as one new batch (``writes.batch_revert``). When some moved on, nothing is
written unless the form asks to leave them (``skip_blocked``)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts.roles import ADD_PRODUCT, DELETE_PRODUCT, has_staff_permission
from products.editing import writes
from products.history.batch_reverts import batch_revert_plan
from products.history.reverts import CannotUndo
from products.models import ChangeBatch

# Products previewed per page (a batch may hold thousands).
PAGE_SIZE = 100
# How many products a message names that an undo left as they were.
NAMED_LEFT = 20
# The permission an undo needs beyond changing products, by what it does.
NEEDS = {"delete": DELETE_PRODUCT, "restore": ADD_PRODUCT}


class BatchRevertForm(forms.Form):
    skip_blocked = forms.BooleanField(required=False)


@require_http_methods(["GET", "HEAD", "POST"])
def batch_revert(request, pk):
    batch = get_object_or_404(ChangeBatch, pk=pk)
    try:
        plan = batch_revert_plan(batch)
    except CannotUndo as refusal:
        context = {"batch": batch, "refusal": refusal}
        return render(request, "products/batch_revert.html", context, status=400)
    if request.method != "POST":
        return page(request, plan)
    form = BatchRevertForm(request.POST)
    skip_blocked = form.is_valid() and form.cleaned_data["skip_blocked"]
    refuse_without_permission(request.user, plan)
    if plan.blocked and not skip_blocked:
        return page(request, plan, status=409, refused=True)
    if not plan.ready:
        return page(request, plan, status=409, nothing_left=True)
    try:
        undo = writes.batch_revert(plan=plan)
    except writes.BatchStale as refusal:
        return page(request, batch_revert_plan(batch), status=409, stale=refusal)
    messages.success(request, done_message(plan, undo))
    return redirect("change-batch", pk=undo.pk if undo else batch.pk)


def refuse_without_permission(user, plan):
    for undo in plan.ready:
        needed = NEEDS.get(undo.what)
        if needed and not has_staff_permission(user, needed):
            action = "delete" if undo.what == "delete" else "restore"
            raise PermissionDenied(
                f"Undoing this batch would {action} products, which you may not do."
            )


def done_message(plan, undo):
    text = f"Undid {plan.label}: {counted(len(plan.ready))}."
    if undo is None:
        text = f"Nothing of {plan.label} was left to undo."
    left = plan.blocked
    if left:
        names = ", ".join(f"“{item.name}”" for item in left[:NAMED_LEFT])
        more = len(left) - NAMED_LEFT
        names += f" and {more} more" if more > 0 else ""
        text += f" Left {counted(len(left))} that changed since: {names}."
    return text


def page(request, plan, status=200, **context):
    """The preview, a page of products at a time, those that changed since
    first (the counts and the button are about all of them)."""
    undos = plan.blocked + plan.ready
    shown = Paginator(undos, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"batch": plan.batch, "plan": plan, "page": shown, **context}
    return render(request, "products/batch_revert.html", context, status=status)


def counted(number):
    """``2,048 products``."""
    return f"{number:,} product{'' if number == 1 else 's'}"
