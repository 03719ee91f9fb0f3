"""What a read CSV file would do to the catalog, without doing it.

Each row is matched to a product by SKU: an unknown SKU creates one, a known one
is updated in the columns the file has (a column the file lacks is left as it
is; an empty cell clears an optional field). Cells are read by the model fields'
own form fields and the product is checked with ``full_clean()`` over the
columns given, as the staff forms check theirs, so the answers are the forms'.
The preview and the confirmation both make the plan; the confirmation hands
its rows to ``writes.products_import``.
"""

from dataclasses import dataclass, field
from functools import cache, cached_property

from django.core.exceptions import ValidationError

from ..change_display import show_changes
from ..models import Category, Product
from ..previews import check_values, unsaved_change
from ..writes import BatchItem
from .reading import COLUMNS

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"
# Without these a new product cannot be saved; said plainly, not as "null".
NEEDED_TO_CREATE = ("name", "price")
# Products are looked up this many SKUs per query.
LOOKUP_CHUNK = 2_000


@dataclass
class RowPlan:
    line: int
    sku: str
    action: str = ERROR
    product: object = None  # as loaded, for an update
    values: dict = field(default_factory=dict)  # field -> value to write
    changes: list = field(default_factory=list)  # FieldChange, for the preview
    errors: list = field(default_factory=list)  # (column, message)

    def as_change(self):
        return unsaved_change(self.product, self.changes, self.values.get("name"))


@dataclass
class Plan:
    columns: tuple
    rows: list

    def rows_to(self, action):
        return [row for row in self.rows if row.action == action]

    @property
    def errors(self):
        """``(line, column, message)``, in file order."""
        return [
            (row.line, column, message)
            for row in self.rows
            for column, message in row.errors
        ]

    @property
    def counts(self):
        return {
            "created": len(self.rows_to(CREATE)),
            "updated": len(self.rows_to(UPDATE)),
            "unchanged": len(self.rows_to(UNCHANGED)),
            "errors": len(self.rows_to(ERROR)),
        }

    @cached_property
    def shown_updates(self):
        """The rows to update as unsaved ProductChanges, ready to be shown as
        the feed shows changes (related names read at once)."""
        return show_changes([row.as_change() for row in self.rows_to(UPDATE)])

    @property
    def creates(self):
        return self.rows_to(CREATE)

    def versions(self):
        """``{sku: version}`` of every product the file names, ``None`` for the
        new ones: what the confirmation must still find."""
        return {
            row.sku: row.product.version if row.product else None
            for row in self.rows
            if row.action != ERROR
        }

    def items(self, expected_versions):
        """The rows as ``writes.BatchItem``, each expecting the version its
        product had at the preview."""
        return [
            BatchItem(
                product=row.product,
                values=row.values,
                expected_version=expected_versions.get(row.sku),
            )
            for row in self.rows
            if row.action != ERROR
        ]


@cache
def cell_fields():
    """The form field that reads each column but ``category``, as the product
    forms would make it from the model."""
    return {
        name: Product._meta.get_field(name).formfield()
        for name in COLUMNS
        if name != "category"
    }


def plan(csv_file):
    categories = CategoryLookup()
    rows = [read_row(row, csv_file.columns, categories) for row in csv_file.rows]
    existing = products_by_sku({row.sku for row in rows if row.sku})
    first_line = {}
    for row in rows:
        if row.sku in first_line:
            row.errors.append(
                (
                    "sku",
                    f"SKU {row.sku} is also on line {first_line[row.sku]}; "
                    "each product may be named once.",
                )
            )
        elif row.sku:
            first_line[row.sku] = row.line
        if row.values:  # else its cells could not even be read
            check_row(row, existing.get(row.sku), csv_file.columns)
    return Plan(columns=csv_file.columns, rows=rows)


def read_row(row, columns, categories):
    if len(row.cells) != len(columns):
        plan = RowPlan(line=row.line, sku="")
        plan.errors.append(
            (
                "",
                f"This row has {len(row.cells)} cells; the header names "
                f"{len(columns)} columns.",
            )
        )
        return plan
    cells = dict(zip(columns, row.cells))
    plan = RowPlan(line=row.line, sku=cells["sku"].strip().upper())
    for column, text in cells.items():
        try:
            if column == "category":
                plan.values[column] = categories.find(text)
            else:
                plan.values[column] = cell_fields()[column].clean(text)
        except ValidationError as error:
            plan.errors.extend((column, message) for message in error.messages)
    if "sku" in plan.values:
        plan.values["sku"] = plan.values["sku"].upper()
    return plan


def check_row(row, product, columns):
    """Validates the row's product as the forms do and sets what it would do."""
    refused = {column for column, _ in row.errors}
    if product is None:
        for name in NEEDED_TO_CREATE:
            if name not in refused and row.values.get(name) in (None, ""):
                row.errors.append((name, f"A new product needs a {name}."))
                refused.add(name)
    errors, row.changes = check_values(product, row.values, set(columns) - refused)
    row.errors.extend(errors)
    if row.errors:
        row.action = ERROR
        return
    row.product = product
    if product is None:
        row.action = CREATE
    else:
        row.action = UPDATE if row.changes else UNCHANGED


def products_by_sku(skus):
    skus = sorted(skus)
    found = {}
    for start in range(0, len(skus), LOOKUP_CHUNK):
        chunk = skus[start : start + LOOKUP_CHUNK]
        for product in Product.objects.select_related("category").filter(sku__in=chunk):
            found[product.sku] = product
    return found


class CategoryLookup:
    """Categories by name or slug, any case; the file names existing ones only."""

    def __init__(self):
        self.known = {}
        for category in Category.objects.all():
            self.known[category.name.casefold()] = category
            self.known.setdefault(category.slug.casefold(), category)

    def find(self, text):
        text = text.strip()
        if not text:
            return None
        category = self.known.get(text.casefold())
        if category is None:
            raise ValidationError(
                f"Unknown category “{text}”; the file may name existing "
                "categories only."
            )
        return category
