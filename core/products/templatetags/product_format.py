"""Template filters for prices, counts and recorded changes, used by the product
pages, the catalog and the staff feed alike (``{% load product_format %}``)."""

from django import template
from django.utils.html import format_html, format_html_join

from accounts.roles import ADD_PRODUCT, CHANGE_PRODUCT, has_staff_permission
from products import formats
from products.history import word_diff
from products.history.change_display import shown_change, shown_value

register = template.Library()


@register.filter
def money(value):
    """``$99,999,999.99``."""
    return formats.money(value)


@register.filter
def quantity(value):
    """``1,234,567``."""
    return formats.quantity(value)


@register.filter
def shortened(text):
    """Long values cut at a word boundary, with an ellipsis (change rows)."""
    return formats.shortened(text)


# How each kind of word-diff segment is marked up; its text is escaped.
SEGMENT_MARKUP = {
    word_diff.SAME: "{}{}",
    word_diff.GAP: '{}<span class="diff-gap">{}</span>',
    word_diff.REMOVED: '{}<del class="diff-removed">{}</del>',
    word_diff.ADDED: '{}<ins class="diff-added">{}</ins>',
}


def segments_html(segments):
    """Segments as HTML, spaces before a changed span left outside its mark."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(SEGMENT_MARKUP[kind], *split_space(kind, text)),)
            for kind, text in segments
        ),
    )


def split_space(kind, text):
    if kind == word_diff.SAME:
        return "", text
    word = text.lstrip()
    return text[: len(text) - len(word)] or (" " if kind == word_diff.GAP else ""), word


@register.filter
def changed_words(item):
    """A long value's change as the words changed, with a little context."""
    return segments_html(item.changed_words)


@register.filter
def marked_old(item):
    """The whole old value, the spans the change removed marked."""
    return segments_html(item.marked[0])


@register.filter
def marked_new(item):
    """The whole new value, the spans the change added marked."""
    return segments_html(item.marked[1])


@register.filter
def shown_changes(change):
    """A ProductChange's fields with labels and values as shown (``ShownChange``)."""
    return shown_change(change)


@register.filter
def change_value(raw, field):
    """One stored value of ``field`` as shown: ``{{ "12.5"|change_value:"price" }}``."""
    return shown_value(field, "" if raw is None else str(raw))


# The classes that show change rows' controls, by the permission each needs.
CHANGE_CONTROLS = {"may-revert": CHANGE_PRODUCT, "may-restore": ADD_PRODUCT}


@register.simple_tag(takes_context=True)
def change_controls(context):
    """Classes for a list of change rows that show their "Revert" and "Restore"
    controls to the viewer who may use them. A row is rendered once for every
    viewer (the live feed pushes one fragment to all its sockets), so rows always
    carry their controls and CSS hides them unless the list has these classes;
    the revert and restore pages check the permissions themselves."""
    user = context.get("user")
    return " ".join(
        name
        for name, permission in CHANGE_CONTROLS.items()
        if has_staff_permission(user, permission)
    )
