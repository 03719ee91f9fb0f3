"""``POST /products/<slug>/inline/``: one cell of the staff table edited in place.

Answers the product's row: 200 as written, 400 with the refused value beside
its cell, 409 when the same field moved on since the row was shown (the row
then shows theirs and mine). Without htmx, a success goes back to the table
view it came from and a refusal shows the row on a page of its own.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from products.editing import writes
from products.history.series import stock_sparklines
from products.models import Category, Product, ProductChange
from products.table import inline_edit, selection
from products.table.rows import RowMaker, render_row, row_permissions
from products.views.product_table import back_to_table


@require_POST
def product_inline(request, slug):
    product = get_object_or_404(Product.objects.select_related("category"), slug=slug)
    form = inline_edit.InlineEditForm(request.POST)
    if not form.is_valid():
        return answer(request, product, status=400, problem=form_problem(form))
    field, text = form.cleaned_data["field"], form.cleaned_data["value"]
    try:
        value = inline_edit.parse(field, text)
    except ValidationError as error:
        return answer(
            request, product, status=400, error=(field, text, error.messages[0])
        )
    try:
        written = inline_edit.save(product, field, value, form.cleaned_data["version"])
    except inline_edit.Refused as refused:
        return answer(request, refused.product, status=409, conflict=refused, mine=text)
    except writes.ProductGone:
        return answer(request, product, status=409, problem="This product was deleted.")
    except ValidationError as error:
        return answer(
            request, product, status=400, error=(field, text, " ".join(error.messages))
        )
    if not request.htmx:
        messages.success(request, f"Saved “{written.name}”.")
        return redirect(back_to_table(request, request.META.get("HTTP_REFERER")))
    return answer(request, written, saved=field)


def form_problem(form):
    return " ".join(message for errors in form.errors.values() for message in errors)


def answer(request, product, status=200, **state):
    """The product's row: with htmx the row alone (the page holds the list of
    categories its select is filled from); without, on a page of its own whose
    category select lists every category."""
    last = ProductChange.objects.filter(product=product).order_by("-pk").first()
    row = RowMaker().row(
        product,
        sparkline=stock_sparklines([product.pk]).get(product.pk),
        last=last,
        selected=product.pk in selection.selected(request.session),
        error=state.get("error"),
        conflict=state.get("conflict"),
        category_choices=(() if request.htmx else Category.objects.order_by("name")),
    )
    context = {
        "row": row,
        "product": product,
        "show_costs": True,
        "flash": {state["saved"]} if state.get("saved") else set(),
        **row_permissions(request.user),
        **state,
    }
    context["row_html"] = render_row(context, request)
    if request.htmx:
        return HttpResponse(context["row_html"], status=status)
    return render(request, "products/product_inline.html", context, status=status)
