"""HTTP validators for the public catalog pages: ETag and Last-Modified.

They are computed without rendering the page, from one indexed query (the latest
change the page depends on), so that a browser or a cache revalidating a page it
holds gets a 304 for a fraction of the page's cost. Django's ``condition``
answers the conditional request; this module says what the page depends on.

A page's HTML depends on more than the change log, and each of these is in the
ETag: the query string (filters, sort, page), whether htmx asked for the results
alone, who is looking (anonymous visitors all see the same page; a signed-in
user's page has their name, their CSRF token and the buttons their permissions
allow), and the release (templates, static files and the settings that shape the
page). Pages carrying a one-time message are not validated at all.

A visitor's validators are made of what a visitor sees, so that they cannot tell
when a staff-only field changed: the product page keys on the public values it
shows (the stock badge rather than the low-stock threshold behind it), the
catalog on the latest change a visitor can see the effect of (a public field, or
a threshold change that moved a stock badge); Last-Modified is that change's
time. Staff pages show every field and key on every change.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache, wraps
from pathlib import Path

from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connections, router
from django.db.models import OuterRef, Q, Subquery, TextField
from django.db.models.functions import Cast
from django.utils import timezone as django_timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import condition

from products.history.snapshots import tracked_fields
from products.models import Product, ProductChange

# Request headers the HTML depends on besides the URL. Cookie stands for the
# signed-in user: a shared cache must never hand a staff page to the public.
HTMX_HEADERS = ("HX-Request", "HX-History-Restore-Request")
VARY = ("Cookie", *HTMX_HEADERS)
# Settings that change what the catalog pages show for the same data.
PAGE_SETTINGS = ("LOW_STOCK_THRESHOLD", "CATALOG_PAGE_SIZE", "TIME_ZONE")
PUBLIC = "public"
# Shown to staff only (the threshold only through the badge it sets).
PRIVATE_FIELDS = frozenset({"cost_price", "expiry_date", "low_stock_threshold"})
# What a visitor's product page shows, besides its category and stock badge.
PUBLIC_VALUES = ("name", "slug", "sku", "price", "quantity", "supplier", "description")


def public_changes():
    """Change rows a visitor can see the effect of: every create and delete, the
    updates naming a field that is not private, and threshold changes that moved
    a stock badge. The changes are a JSON list of objects whose text holds
    ``"field": "<name>"`` exactly where an item names a field (a quote inside a
    value is escaped, so no value can fake it). A row records the alert kinds
    before and after it only when they differ (``ProductChange.alerts``), and a
    change of the threshold alone can move no kind but low stock: its badge."""
    public = Q(action__in=[ProductChange.Action.CREATED, ProductChange.Action.DELETED])
    for field in tracked_fields(Product):
        if field.name not in PRIVATE_FIELDS:
            public |= Q(changes_text__contains=f'"field": "{field.name}"')
    public |= Q(changes_text__contains='"field": "low_stock_threshold"') & ~Q(
        alerts_text="{}"
    )
    return ProductChange.objects.annotate(
        changes_text=Cast("changes", TextField()),
        alerts_text=Cast("alerts", TextField()),
    ).filter(public)


@dataclass(frozen=True)
class Validators:
    """What a page's conditional GET is judged by; ``etag`` None: not at all."""

    etag: str | None
    last_modified: datetime | None
    # The product a product page shows, read by the same query.
    product: Product | None = None
    # The point of the change log the page is rendered at (its live socket
    # resumes from it): the latest change the validators key on, or None.
    point: int | None = None


@cache
def release():
    """A digest of the files that shape every page besides the data (templates,
    static files: a new release must not be answered with a 304 for the old
    markup), and the latest time one of them changed. Read once per process;
    processes serving the same checkout agree on it."""
    digest = hashlib.blake2b(digest_size=16)
    newest = 0.0
    folders = [*settings.TEMPLATES[0]["DIRS"], *settings.STATICFILES_DIRS]
    for folder in folders:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
                newest = max(newest, path.stat().st_mtime)
    return digest.hexdigest(), datetime.fromtimestamp(newest, timezone.utc)


def viewer(request):
    """Who the page is rendered for, as far as its HTML differs between people."""
    user = request.user
    if not user.is_authenticated:
        return PUBLIC
    # The session key stands for the CSRF token in the page: both are new after
    # every login, and a page kept from an earlier session could not log out.
    who = (user.pk, user.get_username(), request.session.session_key, user.is_staff)
    if user.is_staff:
        # Staff pages show the buttons their permissions allow (the template
        # asks the same cached set, so a full page costs no extra query).
        who += (user.is_active, tuple(sorted(user.get_all_permissions())))
    return repr(who)


def validators(request, data, changed_at, product=None, point=None):
    """Validators of the page that ``request`` asks for, given what it shows
    (``data``) and when that last changed (``changed_at``)."""
    if len(get_messages(request)):
        # A page showing a one-time message ("Product deleted") must be fetched
        # again next time, not confirmed with a 304.
        return Validators(None, None, product, point)
    return validators_for(viewer(request), request, data, changed_at, product, point)


def validators_for(who, request, data, changed_at, product=None, point=None):
    """``validators`` of a page without a one-time message, rendered for ``who``
    (``viewer``)."""
    digest, released_at = release()
    variant = (
        digest,
        # Read each time (a few attributes): the release is read once per
        # process, while settings may change under it (in tests, at least).
        tuple(getattr(settings, name, None) for name in PAGE_SETTINGS),
        who,
        request.META.get("QUERY_STRING", ""),
        *(request.headers.get(name, "") for name in HTMX_HEADERS),
        *data,
    )
    etag = '"%s"' % hashlib.blake2b(repr(variant).encode(), digest_size=16).hexdigest()
    last_modified = None
    # If-Modified-Since names a time, not a variant: a signed-in user's pages are
    # judged by their ETag alone, so that a copy from before a login (or of
    # someone else) is never confirmed by the time.
    if who == PUBLIC and changed_at is not None:
        last_modified = max(changed_at, released_at)
    # Weak: the bytes differ between renders (the CSRF token is masked anew each
    # time) while the page is the same.
    return Validators(f"W/{etag}", last_modified, product, point)


def catalog_validators(request):
    """The catalog: any change can move products between pages, so the latest
    change of all (one index read: the primary key, backwards); for a visitor,
    the latest public one (read backwards from the newest until one is)."""
    if viewer(request) != PUBLIC:
        latest = ProductChange.objects.order_by("-pk").values_list("pk", "created_at")
        change_id, changed_at = latest.first() or (None, None)
    else:
        change_id, changed_at = _latest_public_change() or (None, None)
    return validators(request, ("catalog", change_id), changed_at, point=change_id)


def visitor_catalog_validators(request):
    """``catalog_validators`` for a visitor (not signed in) with no one-time
    message waiting, without asking who the user is (``catalog.revalidation``
    answers before the session and authentication are read).
    """
    change_id, changed_at = _latest_public_change() or (None, None)
    data = ("catalog", change_id)
    return validators_for(PUBLIC, request, data, changed_at, point=change_id)


def _latest_public_change():
    """``(change id, created_at)`` of the latest public change, or None: one
    query, compiled once per process (building and compiling it took twice as
    long as running it, on every 304)."""
    using = router.db_for_read(ProductChange)
    sql, params = _latest_public_change_sql(using)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    change_id, changed_at = row
    # As the ORM reads it: SQLite hands back text, naive in UTC.
    changed_at = ProductChange._meta.get_field("created_at").to_python(changed_at)
    if django_timezone.is_naive(changed_at):
        changed_at = django_timezone.make_aware(changed_at, timezone.utc)
    return change_id, changed_at


@cache
def _latest_public_change_sql(using):
    """The query's SQL and parameters, for the database ``using``."""
    query = (public_changes().order_by("-pk").values_list("pk", "created_at")[:1]).query
    return query.get_compiler(using).as_sql()


def product_validators(request, slug):
    """A product page: the product's row and its latest change, in one query
    (the view then shows this product). None when no product has ``slug``."""
    public = viewer(request) == PUBLIC
    changes = public_changes() if public else ProductChange.objects
    latest = changes.filter(product=OuterRef("pk")).order_by("-pk")
    product = (
        Product.objects.select_related("category")
        .annotate(
            latest_change=Subquery(latest.values("pk")[:1]),
            latest_change_at=Subquery(latest.values("created_at")[:1]),
        )
        .filter(slug=slug)
        .first()
    )
    if product is None:
        return None
    category = product.category
    data = (
        "product",
        product.pk,
        # Categories are not in the change log; a renamed one shows here.
        category and (category.pk, category.name, category.slug),
    )
    if public:
        values = [getattr(product, name) for name in PUBLIC_VALUES]
        data += (*values, product.image.name, product.stock_status)
        changed_at = product.latest_change_at
    else:
        data += (product.version, product.latest_change, product.updated_at)
        changed_at = product.updated_at
    return validators(request, data, changed_at, product, product.latest_change)


def page_validators(request):
    """The validators ``conditional_page`` computed for this request."""
    return request.page_validators


def conditional_page(compute):
    """Django's ``condition`` around a public page's view, judged by
    ``compute(request, *args, **kwargs)`` (a ``Validators`` or None), which runs
    once per request; the view reads it back with ``page_validators``.

    Every answer, a 304 included, says what it varies on and that it must be
    revalidated before reuse (a cache may keep it, a signed-in user's in the
    browser only): prices change, and a revalidation is cheap.
    """

    def once(request, *args, **kwargs):
        if not hasattr(request, "page_validators"):
            request.page_validators = compute(request, *args, **kwargs)
        return request.page_validators

    def etag(request, *args, **kwargs):
        return getattr(once(request, *args, **kwargs), "etag", None)

    def last_modified(request, *args, **kwargs):
        return getattr(once(request, *args, **kwargs), "last_modified", None)

    def decorator(view):
        conditional_view = condition(etag_func=etag, last_modified_func=last_modified)(
            view
        )

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = conditional_view(request, *args, **kwargs)
            patch_caching(response, request.user.is_authenticated)
            return response

        return wrapper

    return decorator


def patch_caching(response, signed_in):
    """What every answer of a public page says about caching (see
    ``conditional_page``)."""
    patch_vary_headers(response, VARY)
    if signed_in:
        patch_cache_control(response, private=True, no_cache=True)
    else:
        patch_cache_control(response, no_cache=True)
