"""Data the bench needs: a staff user with one real session per socket, and a
few products changed through ordinary model saves."""

import re
from decimal import Decimal

STAFF_USERNAME = "bench-staff"
SEED_PRODUCTS = 20


def staff_sessions(count):
    """``count`` real sessions of one feed watcher, as cookie header values.

    Built the way ``login()`` stores them (user id, backend, session auth hash),
    in one transaction so that a thousand of them take well under a second.
    """
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction

    from accounts.groups import FEED_WATCHERS, role_group

    user, _ = get_user_model().objects.get_or_create(
        username=STAFF_USERNAME, defaults={"is_staff": True}
    )
    # The feed needs view_productchange: a watcher, as the README's roles say.
    user.groups.add(role_group(FEED_WATCHERS))
    cookies = []
    with transaction.atomic():
        for _ in range(count):
            session = SessionStore()
            session[SESSION_KEY] = user._meta.pk.value_to_string(user)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    return cookies


def seed_products():
    """The products the fan-out phases change (each create is an event too)."""
    from products.models import Product

    return [
        Product.objects.create(
            name=f"Bench product {number}",
            sku=f"BENCH-SEED-{number:03d}",
            price=Decimal("10.00") + number,
            quantity=100 + number,
        )
        for number in range(1, SEED_PRODUCTS + 1)
    ]


def event_fragment_parts(product):
    """A real event fragment, split around its event id, for the bare server.

    A price change, rendered the way the app renders a live event, so that the
    bare server sends frames of the size and shape of the fan-out phases' events,
    with ids the client parses the same way.
    """
    from dashboard.fragments import render_event
    from products.models import ProductChange

    product.price += 1
    product.save()
    html = render_event(ProductChange.objects.latest("pk"))
    match = re.search(r'id="change-(\d+)"', html)
    if match is None:
        raise RuntimeError('A rendered event has no id="change-<n>"')
    return html[: match.start(1)], html[match.end(1) :]
