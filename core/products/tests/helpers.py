import html
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.http import Http404
from django.test import RequestFactory
from django.views.static import serve

from products.editing import writes


def edit(product, **values):
    """Writes ``values`` over ``product`` through the write path, at the version
    it has, and reloads it; returns the change recorded."""
    writes.product_update(product=product, version=product.version, data=values)
    product.refresh_from_db()
    return product.changes.latest("pk")


def imported(products, new_skus=(), price="2.00"):
    """An import of ``items.csv`` through the write path that set each of
    ``products`` to ``price`` and created one product per SKU in ``new_skus``."""
    items = [
        writes.BatchItem(p, {"price": Decimal(price)}, p.version) for p in products
    ]
    items += [
        writes.BatchItem(None, {"sku": sku, "name": f"New {sku}", "price": 3})
        for sku in new_skus
    ]
    return writes.products_import(items=items, label="items.csv")


def field_errors(response, field):
    """The error messages shown beside ``field`` in a form page, as plain text."""
    match = re.search(
        rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>',
        response.content.decode(),
        re.S,
    )
    if match is None:
        return []
    return [
        html.unescape(item).replace("\xa0", " ")
        for item in re.findall(r"<li>(.*?)</li>", match[1])
    ]


def media_files(root):
    """Every file under the media folder, relative, with its size."""
    root = Path(root)
    if not root.exists():
        return set()
    return {
        (str(path.relative_to(root)), path.stat().st_size)
        for path in root.rglob("*")
        if path.is_file()
    }


# Values the product form must refuse: (posted fields, field, message shown).
BAD_VALUES = [
    pytest.param({"name": ""}, "name", "This field is required.", id="missing-name"),
    pytest.param(
        {"price": "-1"},
        "price",
        "Ensure this value is greater than or equal to 0.",
        id="negative-price",
    ),
    pytest.param({"price": "cheap"}, "price", "Enter a number.", id="text-price"),
    pytest.param({"price": "NaN"}, "price", "Enter a number.", id="nan-price"),
    pytest.param({"price": "Infinity"}, "price", "Enter a number.", id="inf-price"),
    pytest.param({"price": "-inf"}, "price", "Enter a number.", id="minus-inf-price"),
    pytest.param(
        {"price": "12345678.901"},
        "price",
        "Ensure that there are no more than 10 digits in total.",
        id="price-11-digits",
    ),
    pytest.param(
        {"price": "123456789"},
        "price",
        "Ensure that there are no more than 8 digits before the decimal point.",
        id="price-too-large",
    ),
    pytest.param(
        {"price": "1.999"},
        "price",
        "Ensure that there are no more than 2 decimal places.",
        id="price-3-decimals",
    ),
    pytest.param(
        {"quantity": "-1"},
        "quantity",
        "Ensure this value is greater than or equal to 0.",
        id="negative-quantity",
    ),
    pytest.param(
        {"quantity": "1.5"}, "quantity", "Enter a whole number.", id="partial-quantity"
    ),
    pytest.param(
        {"quantity": "1000000001"},
        "quantity",
        "Ensure this value is less than or equal to 1000000000.",
        id="quantity-too-large",
    ),
    pytest.param({"sku": "  "}, "sku", "This field is required.", id="blank-sku"),
]


def served(name):
    """The status the media view answers for the stored file ``name``."""
    request = RequestFactory().get(f"/{settings.MEDIA_URL}{name}")
    try:
        return serve(request, name, document_root=settings.MEDIA_ROOT).status_code
    except Http404:
        return 404


NUL_FIELDS = ["name", "sku", "supplier", "description"]
NUL_MESSAGE = "Null characters are not allowed."
