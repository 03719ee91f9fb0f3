"""The live conflict warning of an open edit form (``ws/products/<pk>/changes/``).

While staff edit a product, every save or delete of it that commits shows on the
form: who changed what, from what to what, the changed fields highlighted. The
form keeps the user's input and its hidden ``version``: the warning only says
what happened, and the write path's 409 still decides when they save. Staff
with the edit permission only; keyed by the product's pk.
"""

from django.dispatch import receiver
from django.template.loader import render_to_string

from accounts.roles import CHANGE_PRODUCT, has_staff_permission
from live.protocol import Snapshot
from live.publish import announce
from live.streams import Stream

from .change_display import shown_change
from .models import ProductChange
from .recording import changes_committed

TOPIC_PREFIX = "product-edits."


def edits_topic(pk):
    return f"{TOPIC_PREFIX}{int(pk)}"


def warnings_id(pk):
    """The element of the form that collects the warnings."""
    return f"product-{int(pk)}-edit-warnings"


def edit_topics(scope):
    return [edits_topic(scope["url_route"]["kwargs"]["pk"])]


def may_edit(user):
    """Blocking: active staff who may change products."""
    return has_staff_permission(user, CHANGE_PRODUCT)


def no_state(topic):
    # The form shows the product as it was loaded; only what comes after counts.
    return Snapshot("")


def render_warning(change):
    """Blocking: one change of the product, rendered once for every open form."""
    return render_to_string(
        "products/_edit_warning.html",
        {
            "change": change,
            "shown": shown_change(change).fields,
            "gone": change.action == ProductChange.Action.DELETED,
            "target": warnings_id(change.product_id),
        },
    ).strip()


def change_id(change):
    return change.pk


EDIT_WARNINGS = Stream(
    name="edit warnings",
    topics=edit_topics,
    may_join=may_edit,
    current_state=no_state,
    render=render_warning,
    event_id=change_id,
)


@receiver(changes_committed, dispatch_uid="products.edit_warnings.announce_edits")
def announce_edits(sender, change_set, **kwargs):
    """After the commit: tell the open edit forms of each product the set
    changed or deleted (a create has none)."""
    for pk, changes in change_set.by_product().items():
        for change in changes:
            if change.action != ProductChange.Action.CREATED:
                announce(EDIT_WARNINGS, edits_topic(pk), change)
