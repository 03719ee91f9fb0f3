"""The live conflict warning of an open edit form (on the form's socket,
``ws/products/<pk>/edit/``, beside who else is editing: ``core/routing.py``).

While staff edit a product, every save or delete of it that commits shows on the
form: who changed what, from what to what, the changed fields highlighted. The
form keeps the user's input and its hidden ``version``; each changed field
offers "Use their value", which puts the new value in the field, so the user can
settle it before saving (the write path merges the rest). Staff with the edit
permission only; keyed by the product's pk.
"""

from dataclasses import dataclass

from django.dispatch import receiver
from django.template.loader import render_to_string

from accounts.roles import CHANGE_PRODUCT, has_staff_permission
from live.conf import live_setting
from live.protocol import Snapshot
from live.publish import announce
from live.streams import Stream
from products.history.change_display import model_field, show_changes, shown_change
from products.history.recording import changes_committed
from products.models import ProductChange

TOPIC_PREFIX = "product-edits."
# The changes of a set prepared for display together, one query per this many
# (an import's warnings would otherwise cost a query each).
PREPARED_TOGETHER = 500


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


# A value longer than this is not put in a button (a description is at most
# 5,000 characters; the bound keeps every frame small whatever the field).
MAX_USABLE_VALUE = 5_000


def usable_value(item):
    """What "Use their value" puts in the field: the stored value as the form's
    input takes it (a related row's pk for the select, a date as YYYY-MM-DD), or
    ``None`` where a form cannot be filled in (a file) or the field is gone."""
    field = model_field(item.field)
    if (
        field is None
        or not field.editable
        or field.get_internal_type() in ("FileField", "ImageField")
    ):
        return None
    return item.new if len(item.new) <= MAX_USABLE_VALUE else None


class Together:
    """Changes of one set, prepared for display at once, on the announcer's
    thread, when the first of them is rendered."""

    def __init__(self, changes):
        self.changes, self.prepared = changes, False

    def prepare(self):
        if not self.prepared:
            show_changes(self.changes)
            self.prepared = True


@dataclass(frozen=True)
class EditWarning:
    """The event: one change of the product, and the changes it is prepared with."""

    change: ProductChange
    together: Together


def render_warning(event):
    """Blocking: one change of the product, rendered once for every open form."""
    event.together.prepare()
    change = event.change
    raw = {item.field: item for item in change.field_changes}
    return render_to_string(
        "products/_edit_warning.html",
        {
            "change": change,
            "fields": [
                (item, usable_value(raw[item.field]) if item.field in raw else None)
                for item in shown_change(change).fields
            ],
            "gone": change.action == ProductChange.Action.DELETED,
            "target": warnings_id(change.product_id),
        },
    ).strip()


def change_id(event):
    return event.change.pk


def warnings_after(topic, after_id):
    """Blocking: the resume of a form loaded at change ``after_id``: a warning
    for each save of the product since (the newest ``LIVE_RESUME_MAX_EVENTS``).
    A deletion since is not replayed (its row no longer names the product): the
    form's save then says the product is gone."""
    pk = int(topic.removeprefix(TOPIC_PREFIX))
    limit = live_setting("LIVE_RESUME_MAX_EVENTS")
    changes = ProductChange.objects.filter(product_id=pk, pk__gt=after_id).exclude(
        action=ProductChange.Action.CREATED
    )
    changes = list(changes.order_by("-pk")[:limit])[::-1]
    together = Together(changes)
    return Snapshot.replay(
        (change.pk, render_warning(EditWarning(change, together))) for change in changes
    )


EDIT_WARNINGS = Stream(
    name="edit warnings",
    topics=edit_topics,
    may_join=may_edit,
    current_state=no_state,
    render=render_warning,
    event_id=change_id,
    after=warnings_after,
)


@receiver(
    changes_committed, dispatch_uid="products.editing.edit_warnings.announce_edits"
)
def announce_edits(sender, change_set, **kwargs):
    """After the commit: tell the open edit forms of each product the set
    changed or deleted (a create has none)."""
    warned = [
        change
        for changes in change_set.by_product().values()
        for change in changes
        if change.action != ProductChange.Action.CREATED
    ]
    for start in range(0, len(warned), PREPARED_TOGETHER):
        chunk = warned[start : start + PREPARED_TOGETHER]
        together = Together(chunk)
        for change in chunk:
            announce(
                EDIT_WARNINGS,
                edits_topic(change.product_id),
                EditWarning(change, together),
            )
