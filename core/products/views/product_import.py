"""Import of a CSV, .xlsx or .ods file: upload, a preview that writes nothing,
then confirm.

The preview keeps the file (``imports.pending``) and names its digest in the
session and in the confirm form; confirming plans the kept bytes again against
the catalog as it is then and applies them only if that file is still the one
previewed and every product is still at the version the preview showed. The
number format and date order chosen for the preview are kept beside the digest.
"""

import os

from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from products.editing import writes
from products.history import batches, undo_messages
from products.transfer import pending
from products.transfer.categories import ADD_CATEGORY
from products.transfer.cell_values import ReadingOptions
from products.transfer.import_forms import ImportConfirmForm, ImportUploadForm
from products.transfer.planning import planned
from products.transfer.reading import COLUMNS, BadFile, read_file

SESSION_KEY = "product_import"
FILE_CHANGED = (
    "The file changed since this preview (another file was previewed since, "
    "or this one is no longer kept). Nothing was imported; upload it again to "
    "see what it would do now."
)


@require_http_methods(["GET", "HEAD", "POST"])
def product_import(request):
    if request.method != "POST":
        return show(request, ImportUploadForm())
    if "digest" in request.POST:
        return confirm(request)
    return preview(request)


def preview(request):
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return show(request, form, status=400)
    upload = form.cleaned_data["file"]
    name = os.path.basename(upload.name)[:255]
    data = upload.read()
    options = form.options()
    try:
        sheet = read_file(data)
    except BadFile as error:
        form.add_error("file", str(error))
        return show(request, form, status=400)
    with planned(sheet, options, may_add_categories(request)) as result:
        pass  # a preview: new categories are undone
    return show_preview(request, data, name, result, options)


def show_preview(request, data, name, result, options):
    """The preview of ``data``: kept, with the versions it saw, if it can be
    imported."""
    context = {"plan": result, "file_name": name}
    if not result.errors:
        digest = pending.store(data, result.versions(), owner=request.user.pk)
        request.session[SESSION_KEY] = {
            "digest": digest,
            "name": name,
            "options": vars(options),
        }
        context["confirm"] = ImportConfirmForm(initial={"digest": digest})
    # The next upload is read as this one was.
    return show(request, ImportUploadForm(initial=vars(options)), context)


def may_add_categories(request):
    return request.user.has_perm(ADD_CATEGORY)


def confirm(request):
    form = ImportConfirmForm(request.POST)
    previewed = request.session.get(SESSION_KEY) or {}
    kept = form.is_valid() and pending.load(
        form.cleaned_data["digest"], owner=request.user.pk
    )
    digest = form.cleaned_data.get("digest")
    if not kept or previewed.get("digest") != digest:
        return refuse(request, {"refusal": FILE_CHANGED})
    data, versions = kept
    if pending.digest_of(data) != digest:
        return refuse(request, {"refusal": FILE_CHANGED})
    name = previewed.get("name", "")
    options = ReadingOptions(**previewed.get("options", {}))
    sheet = read_file(data)
    if form.cleaned_data["again"]:
        with planned(sheet, options, may_add_categories(request)) as result:
            pass  # a preview: new categories are undone
        return show_preview(request, data, name, result, options)
    skip = form.cleaned_data["skip_conflicts"]
    # One transaction: the new categories are kept only with the import.
    with transaction.atomic():
        with planned(sheet, options, may_add_categories(request), keep=True) as result:
            context = {"plan": result, "file_name": name, "since_preview": True}
            if result.errors:  # the catalog changed under it (a category deleted ...)
                transaction.set_rollback(True)
                return refuse(request, context)
            try:
                batch = writes.products_import(
                    items=result.items(versions), label=name, skip_conflicts=skip
                )
            except writes.BatchStale as stale:
                transaction.set_rollback(True)
                return refuse(request, {**context, "stale": stale})
            except writes.BatchConflicts as conflicts:
                transaction.set_rollback(True)
                return refuse(request, {"conflicts": conflicts, "digest": digest})
    pending.discard(digest, owner=request.user.pk)
    del request.session[SESSION_KEY]
    done = (
        f"Imported {name}: {batches.headline(batch) if batch else 'nothing changed'}."
    )
    undo_messages.batch_done(request, done, batch)
    url = reverse("product-import")
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def refuse(request, context):
    """409, nothing imported: the page says why."""
    return show(request, ImportUploadForm(), context, status=409)


def show(request, form, context=None, status=200):
    context = {
        "form": form,
        "max_rows": settings.IMPORT_MAX_ROWS,
        "columns": COLUMNS,
        **(context or {}),
    }
    if request.htmx:
        # htmx swaps only 2xx answers: the result carries what went wrong.
        return render(request, "products/_import.html", context)
    return render(request, "products/product_import.html", context, status=status)
