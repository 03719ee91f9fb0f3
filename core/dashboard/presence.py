"""Presence streams: which staff are on a product's page or its edit form, and
who is watching the feed. Kept by the live layer (heartbeats with expiry, see
``live.presence``); described here."""

from django.template.loader import render_to_string

from accounts.roles import (
    CHANGE_PRODUCT,
    VIEW_PRODUCT,
    can_watch_feed,
    has_staff_permission,
)
from live.presence import Present
from live.streams import Stream

from .fragments import plain

# Shown once per person: editing outranks viewing.
MODES = ("editing", "viewing", "watching")


def product_topics(scope):
    return (f"presence-product-{scope['url_route']['kwargs']['pk']}",)


def feed_topics(scope):
    return ("presence-feed",)


def shown_as(mode):
    def present(scope):
        user = scope["user"]
        name = user.get_full_name() or user.get_username()
        return Present(user.pk, name, mode)

    return present


def people(entries):
    """One ``Present`` per user, in their highest-ranked mode, by name."""
    by_user: dict[int, Present] = {}
    for entry in sorted(entries, key=lambda e: MODES.index(e.mode)):
        by_user.setdefault(entry.user_id, entry)
    return sorted(by_user.values(), key=lambda e: (e.name.lower(), e.user_id))


def presence_renderer(element_id):
    def render(entries):
        context = {"present": people(entries), "presence_id": element_id, "oob": True}
        return plain(render_to_string("live/_presence.html", context))

    return render


def may_view_products(user):
    return has_staff_permission(user, VIEW_PRODUCT)


def may_edit_products(user):
    return has_staff_permission(user, CHANGE_PRODUCT)


def presence_stream(mode, topics, may_join, element_id):
    """Who is ``mode`` (viewing, editing...) on ``topics``, shown in the
    page's element ``element_id`` to those who pass ``may_join``."""
    return Stream(
        name=f"{mode} presence",
        topics=topics,
        may_join=may_join,
        presence=shown_as(mode),
        render=presence_renderer(element_id),
    )


# A product's page and its edit form share one topic: each sees the other.
PRODUCT_VIEWERS = presence_stream(
    "viewing", product_topics, may_view_products, "presence"
)
PRODUCT_EDITORS = presence_stream(
    "editing", product_topics, may_edit_products, "presence"
)
FEED_WATCHERS = presence_stream(
    "watching", feed_topics, can_watch_feed, "feed-presence"
)
