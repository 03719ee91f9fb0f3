"""How the admin's change log reads: the feed's row for each change, and a filter
by who made it."""

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.template.loader import render_to_string

from products.models import ProductChange

if TYPE_CHECKING:  # the stubs' shape of a filter's link
    from django.contrib.admin.filters import _ListFilterChoices


class ActorFilter(admin.AllValuesFieldListFilter):
    """By the username recorded with each change (also of deleted users)."""

    # A change nobody signed in made (the shell, a command) has no username:
    # its link needs words, or it is a link with nothing to read.
    NO_ACTOR = "(no user)"

    # Django hands the filter its arguments; this one only renames it.
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = "actor"  # not the field's "actor name"

    def choices(self, changelist: ChangeList) -> "Iterator[_ListFilterChoices]":
        for choice in super().choices(changelist):
            if choice["display"] == "":
                choice = {**choice, "display": self.NO_ACTOR}
            yield choice


def readable_change(change: ProductChange) -> str:
    """The change as the feed shows it, from the same partial."""
    return render_to_string("products/_change_row.html", {"change": change})
