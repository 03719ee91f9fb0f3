"""What a read file would do to the catalog, without doing it.

Each row is matched to a product by SKU: an unknown SKU creates one, a known one
is updated in the columns the file has (a column the file lacks is left as it
is; an empty cell clears an optional field). Cells are read by the model fields'
own form fields and the product is checked with ``full_clean()`` over the
columns given, as the staff forms check theirs, so the answers are the forms'.
The preview and the confirmation both make the plan; the confirmation hands
its rows to ``writes.products_import``. ``manage.py import_products`` plans
and writes a file a chunk of ``CHUNK`` rows at a time (``chunks``): only that
chunk's products and values are held, whatever the file's length.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, cached_property
from itertools import islice

from django.core.exceptions import ValidationError

from products.history.batches import BatchItem
from products.history.change_display import show_changes
from products.models import Product, product_field
from products.models.product import normal_sku
from products.transfer.categories import CategoryLookup
from products.transfer.categories import create as categories_create
from products.transfer.categories import created_for as categories_created
from products.transfer.cell_values import (
    ReadingOptions,
    Refused,
    as_text,
    read_date,
    read_money,
    read_whole_number,
    shown,
)
from products.transfer.previews import check_values, unsaved_change
from products.transfer.reading import COLUMNS

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"
# Without these a new product cannot be saved; said plainly, not as "null".
NEEDED_TO_CREATE = ("name", "price")
# Products are looked up this many SKUs per query.
LOOKUP_CHUNK = 2_000
# Rows planned, then written, together by ``chunks``.
CHUNK = 2_000


@dataclass
class RowPlan:
    line: int
    sku: str
    action: str = ERROR
    product: object = None  # as loaded, for an update
    values: dict = field(default_factory=dict)  # field -> value to write
    changes: list = field(default_factory=list)  # FieldChange, for the preview
    errors: list = field(default_factory=list)  # (column, message)
    cells: dict = field(default_factory=dict)  # column -> value as written

    def as_change(self):
        return unsaved_change(self.product, self.changes, self.values.get("name"))


@dataclass
class Plan:
    columns: tuple
    rows: list
    ignored: tuple = ()  # header cells of columns the import does not read
    letters: dict = field(default_factory=dict)  # column -> spreadsheet letter
    new_categories: dict = field(default_factory=dict)  # slug -> name, to create

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
    def shown_errors(self):
        """``(line, column as "price (C)", message)``, in file order."""
        return shown_errors(self.errors, self.letters)

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
        """The rows as ``batches.BatchItem``, each expecting the version its
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
        name: product_field(name).formfield() for name in COLUMNS if name != "category"
    }


def shown_errors(errors, letters):
    return [
        (
            line,
            f"{column} ({letters[column]})" if column in letters else column,
            message,
        )
        for line, column, message in errors
    ]


class Planner:
    """Plans a file's rows, all at once (``plan``) or a chunk at a time
    (``chunks``), each row checked against the rows planned before it (a SKU
    named twice)."""

    def __init__(self, csv_file, options, may_add_categories, create=False):
        self.csv_file, self.options = csv_file, options
        self.categories = CategoryLookup(may_add=may_add_categories)
        # ``create``: a category the file names is created as soon as a row
        # names it (in the caller's transaction), not noted for a second plan.
        self.create = create
        self.first_line = {}  # sku -> the line first naming it

    def read(self, rows):
        columns = self.csv_file.columns
        return [read_row(row, columns, self.categories, self.options) for row in rows]

    def plan(self, rows):
        source = list(rows)
        rows = self.read(source)
        if self.create and self.categories.new:
            new = self.categories.new
            categories_create(new)
            self.categories.learn(new)
            self.created.update(new)
            self.categories.new = {}
            rows = self.read(source)  # with the categories they name
        existing = products_by_sku({row.sku for row in rows if row.sku})
        for row in rows:
            if row.sku in self.first_line:
                row.errors.append(
                    (
                        "sku",
                        f"SKU {row.sku} is also on line {self.first_line[row.sku]}; "
                        "each product may be named once.",
                    )
                )
            elif row.sku:
                self.first_line[row.sku] = row.line
            if row.values:  # else its cells could not even be read
                check_row(row, existing.get(row.sku), self.csv_file.columns)
        return Plan(
            columns=self.csv_file.columns,
            rows=rows,
            ignored=self.csv_file.ignored,
            letters=dict(zip(self.csv_file.columns, self.csv_file.letters)),
            new_categories=self.categories.new,
        )

    @cached_property
    def created(self):
        return {}


def plan(csv_file, options=ReadingOptions(), may_add_categories=False):
    """The plan of a read file, cells read in ``options``' number format and
    date order. A category the catalog lacks is in ``new_categories`` when
    ``may_add_categories`` (its rows planned without it: see ``planned``),
    else an error of its rows."""
    return Planner(csv_file, options, may_add_categories).plan(csv_file.rows)


@dataclass
class Outcome:
    """What a file planned in chunks did, summed: the counts, every error, the
    categories it created."""

    columns: tuple
    ignored: tuple = ()
    letters: dict = field(default_factory=dict)
    new_categories: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)

    @property
    def shown_errors(self):
        return shown_errors(self.errors, self.letters)

    def add(self, plan):
        for key, value in plan.counts.items():
            self.counts[key] = self.counts.get(key, 0) + value
        self.errors += plan.errors


def chunks(csv_file, options=ReadingOptions(), may_add_categories=False, size=None):
    """``(outcome, plans)``: ``plans()`` plans the file's rows ``size`` at a
    time, each plan made when the one before has been used and then let go;
    ``outcome`` sums them as they are made. Categories the file names that the
    catalog lacks are created as they come (``may_add_categories``), in the
    caller's transaction. Calling ``plans()`` again starts over."""
    outcome = Outcome(
        columns=csv_file.columns,
        ignored=csv_file.ignored,
        letters=dict(zip(csv_file.columns, csv_file.letters)),
    )

    size = size or CHUNK

    def plans():
        outcome.counts, outcome.errors = {}, []
        planner = Planner(csv_file, options, may_add_categories, create=True)
        planner.created = outcome.new_categories
        rows = iter(csv_file.rows)
        while chunk := list(islice(rows, size)):
            result = planner.plan(chunk)
            outcome.add(result)
            yield result

    return outcome, plans


@contextmanager
def planned(csv_file, options=ReadingOptions(), may_add_categories=False, keep=False):
    """The plan, made with the new categories it names created (in a
    transaction: undone after a preview, kept by a confirmation, ``keep``), so
    that its rows show and write them as any other category."""
    first = plan(csv_file, options, may_add_categories)
    if not first.new_categories or first.errors:
        yield first
        return
    with categories_created(first.new_categories, keep=keep):
        result = plan(csv_file, options, may_add_categories)
        result.new_categories = first.new_categories
        result.shown_updates  # their names are read while they exist
        yield result


# Columns read from text by ``cell_values`` first (the forms' fields would
# refuse "$21.00" or a day-first date), then by their form fields.
MONEY = {"price": "a price", "cost_price": "a cost price"}
WHOLE_NUMBERS = ("quantity", "low_stock_threshold")


def read_cell(column, value, categories, options):
    if column == "category":
        return categories.find(as_text(value))
    if column in MONEY:
        value = read_money(value, options, MONEY[column])
    elif column in WHOLE_NUMBERS:
        value = read_whole_number(value, options)
    elif column == "expiry_date":
        value = read_date(value, options)
        value = value.isoformat() if value else ""
    return cell_fields()[column].clean(as_text(value))


def with_value(value, message):
    """A refusal quoting the value refused, if there was one."""
    text = as_text(value).strip()
    if not text or f"“{text}”" in message:  # quoted already (a category)
        return message
    return f"{shown(text)}: {message}"


def read_row(row, columns, categories, options):
    if row.problem:
        plan = RowPlan(line=row.line, sku="")
        plan.errors.append(("", row.problem))
        return plan
    cells = dict(zip(columns, row.cells))
    plan = RowPlan(line=row.line, sku=normal_sku(as_text(cells["sku"])), cells=cells)
    for column, value in cells.items():
        try:
            plan.values[column] = read_cell(column, value, categories, options)
        except Refused as refused:
            plan.errors.append((column, str(refused)))
        except ValidationError as error:
            plan.errors.extend(
                (column, with_value(value, message)) for message in error.messages
            )
    if "sku" in plan.values:
        plan.values["sku"] = normal_sku(plan.values["sku"])
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
    row.errors.extend(
        (name, with_value(row.cells.get(name), message)) for name, message in errors
    )
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
