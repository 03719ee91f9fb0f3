"""How the admin's change log reads: the feed's row for each change, and a filter
by who made it."""

from django.contrib import admin
from django.template.loader import render_to_string


class ActorFilter(admin.AllValuesFieldListFilter):
    """By the username recorded with each change (also of deleted users)."""

    # A change nobody signed in made (the shell, a command) has no username:
    # its link needs words, or it is a link with nothing to read.
    NO_ACTOR = "(no user)"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "actor"  # not the field's "actor name"

    def choices(self, changelist):
        for choice in super().choices(changelist):
            if choice["display"] == "":
                choice = {**choice, "display": self.NO_ACTOR}
            yield choice


def readable_change(change):
    """The change as the feed shows it, from the same partial."""
    return render_to_string("products/_change_row.html", {"change": change})
