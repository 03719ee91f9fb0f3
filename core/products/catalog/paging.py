"""Pages of a long list whose count stops at a bound.

Counting every match of a broad search on a large catalog reads all of them,
on every page. Past ``LIST_COUNT_LIMIT`` the count stops: the page says
"10,000+" and offers that many matches' worth of pages, which also bounds how
deep an ``OFFSET`` can go.

A search is sorted from its matches themselves: see ``sorted_from_matches``.
"""

from functools import cached_property

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import F, OrderBy
from django.db.models.functions import Coalesce


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, searched=False, **kwargs):
        """``searched``: the list is narrowed by a search, which an index of
        its own finds (see ``sorted_from_matches``)."""
        super().__init__(object_list, per_page, **kwargs)
        self.count_limit = settings.LIST_COUNT_LIMIT
        self.searched = searched

    @cached_property
    def found(self):
        """Matches counted up to one past the limit. No ordering and only the
        key: the database may stop at any ``limit + 1`` matching rows."""
        return self.object_list.order_by().values("pk")[: self.count_limit + 1].count()

    @cached_property
    def count(self):
        return min(self.found, self.count_limit)

    @property
    def capped(self):
        """Whether there are more matches than the count says."""
        return self.found > self.count_limit

    def page(self, number):
        if self.searched:
            self.object_list = sorted_from_matches(self.object_list)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        # The last counted page of a capped list is full: more matches follow.
        if not self.capped and top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self.object_list[bottom:top], number, self)


def sorted_from_matches(products):
    """``products`` in the same order, by keys no index can walk.

    With ``ORDER BY name LIMIT 12`` the planner likes to walk the name index and
    test each product against the search, expecting the matches spread evenly.
    They often are not: a search for "walnut" in a catalog whose walnut things
    are all named "Walnut ..." walks nearly the whole index before the first
    match (10 s at a million products, against a quarter of a second for
    sorting its 50,000 matches). ``COALESCE(name, name)`` is the same value and
    the same order, but no index has it, so the planner finds the matches by the
    search's own index and sorts just those: the cost follows the number of
    matches, never where they fall in the sort.
    """
    return products.order_by(*(unindexed(key) for key in products.query.order_by))


def unindexed(key):
    """One ``order_by`` key (``"-price"`` or an ``OrderBy``) as the same order
    of ``COALESCE(x, x)``. The primary key, the last tie-breaker, stays."""
    if isinstance(key, str):
        name = key.lstrip("-")
        if name == "pk":
            return key
        return OrderBy(Coalesce(F(name), F(name)), descending=key.startswith("-"))
    if isinstance(key, OrderBy):
        expression = key.expression
        return OrderBy(
            Coalesce(expression, expression),
            descending=key.descending,
            nulls_first=key.nulls_first,
            nulls_last=key.nulls_last,
        )
    return key
