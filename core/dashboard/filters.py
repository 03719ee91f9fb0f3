"""Which changes the staff feed and its export show: query parameters, so that a
filtered view is a link.

The same rules run in two places: here as a query for rows read from the
database, and in the page's script (``static/js/feed_filters.js``) for rows
pushed live, which are rendered once for every socket and so cannot be filtered
by the server. ``live_rules`` hands the script what it needs; the row partial
carries the data attributes it compares.
"""

import datetime

from django import forms
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import capfirst

from products.models import Product, ProductChange
from products.selectors import tracked_fields

PARAMETERS = ("action", "actor", "product", "field", "since", "until")


def field_choices():
    return [
        ("", "Any field"),
        *(
            (field.name, capfirst(field.verbose_name))
            for field in tracked_fields(Product)
        ),
    ]


def start_of(day):
    """The first instant of ``day`` in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def names_field(name):
    """Rows whose field changes include ``name``. The changes are a JSON list of
    objects; its text holds ``"field": "<name>"`` exactly where an item names
    that field, on SQLite and PostgreSQL alike (a quote inside a value is
    escaped, so no value can fake it). Containment (``__contains``) would be
    exact too, but SQLite does not support it on JSON fields."""
    return Q(changes_text__contains=f'"field": "{name}"')


class FeedFilters(forms.Form):
    action = forms.ChoiceField(
        choices=[("", "Any action"), *ProductChange.Action.choices], required=False
    )
    actor = forms.CharField(
        required=False,
        max_length=150,
        help_text="A username, or a source: web, admin, shell, command …",
    )
    product = forms.CharField(
        required=False, max_length=200, help_text="Part of the name or SKU."
    )
    field = forms.ChoiceField(choices=field_choices, required=False)
    since = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # as the catalog's filters
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned_data = super().clean()
        since, until = cleaned_data.get("since"), cleaned_data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return cleaned_data

    def value(self, name):
        """The cleaned value of ``name``, stripped, or "" (also when invalid)."""
        if not self.is_valid():
            return ""
        value = self.cleaned_data.get(name) or ""
        return value.strip() if isinstance(value, str) else value

    @property
    def active(self):
        return any(self.value(name) for name in PARAMETERS)

    def bounds(self):
        """(first instant, first instant after) of the dates, each or None."""
        since, until = self.value("since"), self.value("until")
        # The last day a date can name has no day after it: no end then.
        open_ended = not until or until == datetime.date.max
        return (
            start_of(since) if since else None,
            None if open_ended else start_of(until + datetime.timedelta(days=1)),
        )

    def filter(self, changes):
        """``changes`` (a ProductChange queryset) narrowed to the filters; none
        while a filter is invalid (showing more than was asked would mislead)."""
        if not self.is_valid():
            return changes.none()
        action, actor = self.value("action"), self.value("actor")
        product, field = self.value("product"), self.value("field")
        after, before = self.bounds()
        if action:
            changes = changes.filter(action=action)
        if actor:
            changes = changes.filter(
                Q(actor_name__iexact=actor) | Q(source__iexact=actor)
            )
        if product:
            # The name as it was, the SKU as it is (a deleted product: none).
            changes = changes.filter(
                Q(product_name__icontains=product) | Q(product__sku__icontains=product)
            )
        if field:
            changes = changes.annotate(
                changes_text=Cast("changes", TextField())
            ).filter(names_field(field))
        if after:
            changes = changes.filter(created_at__gte=after)
        if before:
            changes = changes.filter(created_at__lt=before)
        return changes

    def query_string(self, **extra):
        """The active filters as a query string (``extra`` added)."""
        params = {name: self.value(name) for name in PARAMETERS}
        params = {
            name: value.isoformat() if isinstance(value, datetime.date) else value
            for name, value in {**params, **extra}.items()
            if value not in ("", None)
        }
        return urlencode(params)

    def live_rules(self):
        """What the page's script compares pushed rows with (``data-`` values):
        lower-cased text as it compares it, instants as ISO 8601."""
        if not self.is_valid():
            return {"none": "true"}
        after, before = self.bounds()
        return {
            "action": self.value("action"),
            "actor": self.value("actor").lower(),
            "product": self.value("product").lower(),
            "field": self.value("field"),
            "since": after.isoformat() if after else "",
            "until": before.isoformat() if before else "",
        }
