"""Old web addresses keep working: a product's former slugs answer with a 301.

A slug is remembered when a recorded change moves the product away from it, so
every write path that records changes (forms, admin, shell, commands) is covered.
They live in their own small table rather than being read back from the change
log: the log may be pruned, links people saved should outlive that, and the
lookup is one unique-index hit.
"""

from functools import wraps

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import reverse

from products.models import FormerSlug, ProductChange


@receiver(post_save, sender=ProductChange)
def remember_former_slug(sender, instance, created, raw=False, **kwargs):
    if raw or not created or instance.product_id is None:
        return
    for item in instance.field_changes:
        if item.field == "slug" and item.old:
            # The latest product to leave an address keeps it.
            FormerSlug.objects.update_or_create(
                slug=item.old,
                defaults={
                    "product_id": instance.product_id,
                    "retired_at": instance.created_at,
                },
            )


def current_slug(former_slug):
    """The current slug of the product that used to have ``former_slug``, or None."""
    return (
        FormerSlug.objects.filter(slug=former_slug)
        .values_list("product__slug", flat=True)
        .first()
    )


def follows_former_slugs(view):
    """A view of ``<slug>`` pages: when it finds no product (404), a slug that a
    product used to have answers 301 to the same page at its current address.

    Asked only after the 404, so a slug that a product uses now always wins, and
    pages that are found cost no extra query.
    """

    @wraps(view)
    def wrapper(request, *args, slug, **kwargs):
        missing = None
        try:
            response = view(request, *args, slug=slug, **kwargs)
        except Http404 as error:
            missing, response = error, None
        if response is not None and response.status_code != 404:
            return response
        current = current_slug(slug)
        if current is None or current == slug:
            if missing is not None:
                raise missing
            return response
        url = reverse(
            request.resolver_match.view_name,
            args=args,
            kwargs={**kwargs, "slug": current},
        )
        query = request.META.get("QUERY_STRING")
        return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)

    return wrapper
