"""Template filters for change batches (``{% load batch_format %}``): the feed's
batch entry and the batch page."""

from django import template

from .. import batches

register = template.Library()


@register.filter
def batch_headline(batch):
    """``37 updated, 5 created``."""
    return batches.headline(batch)


@register.filter
def batch_verb(batch):
    """``imported`` or ``bulk-edited``."""
    return batches.verb(batch)


@register.filter
def batch_size(batch):
    """How many product changes the batch made."""
    return batches.size(batch)


@register.filter
def batch_changes(batch):
    """The first of the batch's changes, ready to be shown."""
    return batches.entry_changes(batch)
