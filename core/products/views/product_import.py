"""CSV import: upload, a preview that writes nothing, then confirm.

The preview keeps the file (``imports.pending``) and names its digest in the
session and in the confirm form; confirming plans the kept bytes again against
the catalog as it is then and applies them only if that file is still the one
previewed and every product is still at the version the preview showed.
"""

import os

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from .. import batches, writes
from ..imports import pending
from ..imports.forms import ImportConfirmForm, ImportUploadForm
from ..imports.planning import plan
from ..imports.reading import BadFile, read_csv

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
    try:
        result = plan(read_csv(data))
    except BadFile as error:
        form.add_error("file", str(error))
        return show(request, form, status=400)
    return show_preview(request, data, name, result)


def show_preview(request, data, name, result):
    """The preview of ``data``: kept, with the versions it saw, if it can be
    imported."""
    context = {"plan": result, "file_name": name}
    if not result.errors:
        digest = pending.store(data, result.versions())
        request.session[SESSION_KEY] = {"digest": digest, "name": name}
        context["confirm"] = ImportConfirmForm(initial={"digest": digest})
    return show(request, ImportUploadForm(), context)


def confirm(request):
    form = ImportConfirmForm(request.POST)
    previewed = request.session.get(SESSION_KEY) or {}
    kept = form.is_valid() and pending.load(form.cleaned_data["digest"])
    digest = form.cleaned_data.get("digest")
    if not kept or previewed.get("digest") != digest:
        return refuse(request, {"refusal": FILE_CHANGED})
    data, versions = kept
    if pending.digest_of(data) != digest:
        return refuse(request, {"refusal": FILE_CHANGED})
    name = previewed.get("name", "")
    result = plan(read_csv(data))
    if form.cleaned_data["again"]:
        return show_preview(request, data, name, result)
    context = {"plan": result, "file_name": name, "since_preview": True}
    if result.errors:  # the catalog changed under it (a category deleted ...)
        return refuse(request, context)
    skip = form.cleaned_data["skip_conflicts"]
    try:
        batch = writes.products_import(
            items=result.items(versions), label=name, skip_conflicts=skip
        )
    except writes.BatchStale as stale:
        return refuse(request, {**context, "stale": stale})
    except writes.BatchConflicts as conflicts:
        return refuse(request, {"conflicts": conflicts, "digest": digest})
    pending.discard(digest)
    del request.session[SESSION_KEY]
    done = (
        f"Imported {name}: {batches.headline(batch) if batch else 'nothing changed'}."
    )
    messages.success(request, done)
    url = reverse("product-import")
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def refuse(request, context):
    """409, nothing imported: the page says why."""
    return show(request, ImportUploadForm(), context, status=409)


def show(request, form, context=None, status=200):
    context = {"form": form, "max_rows": settings.IMPORT_MAX_ROWS, **(context or {})}
    if request.htmx:
        # htmx swaps only 2xx answers: the result carries what went wrong.
        return render(request, "products/_import.html", context)
    return render(request, "products/product_import.html", context, status=status)
