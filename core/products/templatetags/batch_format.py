"""Template filters for change batches (``{% load batch_format %}``): the feed's
batch entry and the batch page. Each is the function in ``products.history.batches``."""

from django import template

from products.history import batches

register = template.Library()

register.filter("batch_headline", batches.headline)  # 37 updated, 5 created
register.filter("batch_verb", batches.verb)  # imported, bulk-edited
register.filter("batch_size", batches.size)  # how many product changes
register.filter("batch_changes", batches.entry_changes)  # the first, to show
register.filter("batch_described", batches.described)  # import items.csv
