"""Success messages that carry an **Undo** button: after a save (revert the
change it recorded), a create (delete the product), a delete (restore it), an
import or a bulk action (undo the batch). The button is a small POST form with
the CSRF token, to the same revert, delete, restore or batch revert page a user
could reach by hand, which checks permissions and what changed since.

The message is rendered here, escaped, and stored as safe markup (Django's
message storages keep that mark), so the layout shows the form as it is.
"""

from django.contrib import messages
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.roles import ADD_PRODUCT, DELETE_PRODUCT, has_staff_permission
from products.history.reverts import deletion_at
from products.models import ProductChange


def success_with_undo(request, text, url, version=None):
    """``text`` as a success message with an Undo button posting to ``url``
    (with ``version``, the product's, where the page asks for one)."""
    context = {"text": text, "url": url, "version": version}
    html = render_to_string("products/_undo_message.html", context, request=request)
    messages.success(request, html, extra_tags="undoable")


def saved(request, text, product):
    """After an update of ``product`` (as written, at its new version)."""
    change = (
        ProductChange.objects.filter(product=product, product_version=product.version)
        .only("pk")
        .first()
    )
    if change is None:  # a save that changed nothing recorded nothing
        messages.success(request, text)
        return
    url = reverse("product-revert", args=[product.slug, change.pk])
    success_with_undo(request, text, url, version=product.version)


def created(request, text, product):
    """After ``product`` was created: undone by deleting it, for who may."""
    if not has_staff_permission(request.user, DELETE_PRODUCT):
        messages.success(request, text)
        return
    url = reverse("product-delete", args=[product.slug])
    success_with_undo(request, text, url, version=product.version)


def deleted(request, text, slug):
    """After the product at ``slug`` was deleted: undone by restoring it."""
    deletion = deletion_at(slug)
    if deletion is None or not has_staff_permission(request.user, ADD_PRODUCT):
        messages.success(request, text)
        return
    success_with_undo(request, text, reverse("dashboard-restore", args=[deletion.pk]))


def batch_done(request, text, batch):
    """After an import or a bulk action wrote ``batch`` (None: nothing changed)."""
    if batch is None:
        messages.success(request, text)
        return
    success_with_undo(request, text, reverse("batch-revert", args=[batch.pk]))
