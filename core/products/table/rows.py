"""What each row of the staff table shows, worked out in Python in one pass.

The table's one row partial (``products/table/row.html``) renders the page's
rows, the htmx fragment, an inline edit's answer and the cells the table socket
pushes. Django's template engine costs a few microseconds per variable, filter
and tag, and a page has up to 200 rows of a dozen cells: so the row reads plain
strings made here (money, counts, dates, alerts, URLs, ids) instead of calling
filters, tags and includes per cell, and a page renders in a fraction of the
time.
"""

from dataclasses import dataclass
from urllib.parse import quote

from django.contrib.humanize.templatetags.humanize import naturaltime
from django.template.backends.utils import csrf_input
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import dateformat
from django.utils import formats as django_formats
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import mark_safe

from accounts.roles import CHANGE_PRODUCT, WATCH_FEED
from products.alerts.kinds import alerts_for, stock_status
from products.alerts.margin import margin
from products.alerts.rules import shop_rules
from products.formats import EMPTY, money, quantity

STOCK_LABELS = {"out": "Out of stock", "low": "Low stock", "in": "In stock"}
PLACEHOLDER_IMAGE = "img/placeholder.svg"
# What reverse() leaves unquoted in a URL's arguments.
SAFE_IN_PATH = RFC3986_SUBDELIMS + "/~:@"
# A slug the URL patterns accept, to be replaced by each row's own.
SLUG_MARK = "table-row-slug"


@dataclass(slots=True)
class TableRow:
    """One product as its row shows it. Strings are not yet escaped: the
    template escapes them."""

    pk: str
    name: str
    sku: str
    version: str
    url: str
    inline_url: str
    history_url: str
    image_url: str
    image_alt: str
    category_id: str
    category: str
    price_raw: str
    price: str
    cost: str
    margin: object  # margin.Margin or None
    margin_amount: str
    margin_percent: str
    quantity_raw: str
    quantity: str
    stock_status: str
    stock_label: str
    expiry: str
    alerts: list
    last_who: str
    last_at: str
    last_ago: str
    sparkline: object  # charts line or None
    spark_label: str
    selected: bool
    # The value each editable input holds, and whether it was refused.
    price_input: str
    quantity_input: str
    invalid: str  # the field refused, or ""
    problem: str  # the field refused or in conflict (its message shows), or ""
    # Every category, for the row being edited without JavaScript; else empty
    # (the page's shared list of options fills the select: table.js).
    category_choices: list


class SlugUrl:
    """``reverse(name, args=[slug])`` for many slugs: reversed once, then the
    slug put in (reverse() costs tens of microseconds a call)."""

    def __init__(self, name):
        self.prefix, self.suffix = reverse(name, args=[SLUG_MARK]).split(SLUG_MARK)

    def __call__(self, slug):
        return f"{self.prefix}{quote(slug, safe=SAFE_IN_PATH)}{self.suffix}"


class RowMaker:
    """Makes ``TableRow`` s with what is the same for every row of a render
    (the URLs' shapes, the rules, today) worked out once."""

    def __init__(self):
        self.detail_url = SlugUrl("product-detail")
        self.inline_url = SlugUrl("products:inline")
        self.history_url = SlugUrl("product-history")
        self.placeholder = static(PLACEHOLDER_IMAGE)
        self.rules = shop_rules()
        self.today = timezone.localdate()

    def row(
        self,
        product,
        *,
        sparkline=None,
        last=None,
        selected=False,
        error=None,
        conflict=None,
        category_choices=(),
    ):
        """``last``: the product's newest change row, else the table query's
        annotations say who changed it last. ``error``: ``(field, text,
        message)`` of a refused value, which its input keeps; ``conflict``: an
        inline edit refused as the same field moved on (``inline_edit.Refused``)."""
        shown_margin = margin(product.price, product.cost_price)
        status = stock_status(product, self.rules)
        who, at = last_change(product, last)
        refused = error[0] if error else ""
        price_raw = plain(product.price)
        quantity_raw = plain(product.quantity)
        image = product.image
        return TableRow(
            pk=str(product.pk),
            name=product.name,
            sku=product.sku,
            version=str(product.version),
            url=self.detail_url(product.slug),
            inline_url=self.inline_url(product.slug),
            history_url=self.history_url(product.slug),
            image_url=image.url if image else self.placeholder,
            image_alt=product.name if image else "",
            category_id="" if product.category_id is None else str(product.category_id),
            category=str(product.category) if product.category_id else EMPTY,
            price_raw=price_raw,
            price=money(product.price),
            cost=EMPTY if product.cost_price is None else money(product.cost_price),
            margin=shown_margin,
            margin_amount=money(shown_margin.amount) if shown_margin else "",
            margin_percent=(
                django_formats.localize(shown_margin.percent)
                if shown_margin and shown_margin.percent is not None
                else ""
            ),
            quantity_raw=quantity_raw,
            quantity=quantity(product.quantity),
            stock_status=status,
            stock_label=STOCK_LABELS[status],
            expiry=product.expiry_date.isoformat() if product.expiry_date else "",
            alerts=alerts_for(product, self.rules, self.today),
            last_who=who,
            last_at=dateformat.format(timezone.localtime(at), "c") if at else "",
            last_ago=naturaltime(at) if at else "",
            sparkline=sparkline,
            spark_label=spark_label(sparkline),
            selected=selected,
            price_input=error[1] if refused == "price" else price_raw,
            quantity_input=error[1] if refused == "quantity" else quantity_raw,
            invalid=refused,
            problem=refused or (conflict.field if conflict else ""),
            category_choices=list(category_choices),
        )


def plain(value):
    """A price or quantity as an input holds it: ``12.50``, ``7``."""
    return "" if value is None else str(value)


def last_change(product, last):
    """Who changed the product last and when: from its newest change row, or
    from the table query's annotations; ``("", None)`` when never."""
    if last is not None:
        return last.who, last.created_at
    at = getattr(product, "last_change_at", None)
    if at is None:
        return "", None
    return product.last_change_by or product.last_change_source, at


def spark_label(line):
    """The sparkline's accessible name: the same as its picture says."""
    if line is None:
        return ""
    return (
        f"Stock from {quantity(line.first)} to {quantity(line.last)}, "
        f"lowest {quantity(line.low)}, highest {quantity(line.high)}"
    )


def row_permissions(user):
    """What a viewer's rows offer: the selection's checkbox (``may_change``) and
    the link to each product's timeline (``show_history``). Pushed cells are
    rendered once for every viewer and always carry the link."""
    return {
        "may_change": user.has_perm(CHANGE_PRODUCT),
        "show_history": user.has_perm(WATCH_FEED),
    }


def table_rows(products, *, sparklines=None, selected=(), choosing=None, categories=()):
    """The rows of a table page, in order. ``choosing``: the pk of the row whose
    category is being chosen without JavaScript (its select lists
    ``categories``)."""
    maker = RowMaker()
    sparklines = sparklines or {}
    return [
        maker.row(
            product,
            sparkline=sparklines.get(product.pk),
            selected=product.pk in selected,
            category_choices=categories if product.pk == choosing else (),
        )
        for product in products
    ]


def render_rows(context, request, template="products/table/rows.html"):
    """The rows of ``context`` (``rows``, or the one ``row``) from the row partial,
    in one render, for a page of the template language to place (the partial is
    Jinja2, whose output is escaped as it renders).

    The CSRF field is made once: handed the request, Django's Jinja2 backend
    would mask a new token for each of a row's three forms, every row."""
    context = {**context, "csrf_input": csrf_input(request)}
    return mark_safe(render_to_string(template, context))


def render_row(context, request):
    return render_rows(context, request, "products/table/row.html")
