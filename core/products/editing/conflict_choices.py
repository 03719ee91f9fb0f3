"""The choices a form sends back after a merge conflict (``writes.MergeConflict``).

The conflict page asks, per field both sides changed differently, whose value
to keep: ``resolve_<field>`` = ``mine`` or ``theirs``, nothing pre-selected. It
also carries ``base_version``, the version the user's values started from, so
that sending the form again (at the product's current version) merges from
there: applied are exactly the choices made plus the merge of the rest, and a
product that moved on again meanwhile is merged again.
"""

from django import forms

from products.editing.merging import MINE, THEIRS
from products.history.snapshots import tracked_fields
from products.models import Product

PREFIX = "resolve_"


class ConflictChoicesForm(forms.Form):
    base_version = forms.IntegerField(
        required=False, min_value=1, widget=forms.HiddenInput
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        for field in tracked_fields(Product):
            self.fields[PREFIX + field.name] = forms.ChoiceField(
                choices=[(MINE, "Mine"), (THEIRS, "Theirs")],
                required=False,
                widget=forms.RadioSelect,
            )
        self.cleaned_data = {}
        if self.is_bound:
            self.is_valid()  # a value that is neither choice counts as not chosen

    @property
    def attempted(self):
        """Whether this was sent from a conflict page."""
        return self.cleaned_data.get("base_version") is not None

    def base(self):
        return self.cleaned_data.get("base_version")

    def chosen(self):
        """``{field: "mine" | "theirs"}`` for each choice made."""
        return {
            name[len(PREFIX) :]: value
            for name, value in self.cleaned_data.items()
            if name.startswith(PREFIX) and value
        }


def missing_choices(conflict):
    """What a conflict page says when it comes back with choices missing."""
    labels = ", ".join(item.label for item in conflict.conflicts)
    return f"Choose whose value to keep for: {labels}. Nothing was saved."
