"""/products/export.csv and .xlsx: the staff table's products in the import's
columns, streamed; an unchanged export imports back as all unchanged."""

import io
import re
from datetime import date, timedelta
from decimal import Decimal
from urllib.request import Request, urlopen

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from openpyxl import load_workbook

from accounts.tests.factories import StaffWithoutPermissionsFactory, WatcherFactory
from core.testing.fixtures import logged_in_client
from products.models import Product
from products.tests.factories import CategoryFactory, ProductFactory
from products.tests.sockets import session_cookie
from products.tests.views.test_product_import import text, upload
from products.transfer.reading import COLUMNS

pytestmark = pytest.mark.django_db

CSV_URL = reverse("products:export_csv")
XLSX_URL = reverse("products:export_xlsx")


@pytest.fixture(autouse=True)
def pending_dir(settings, tmp_path):
    settings.IMPORT_PENDING_DIR = tmp_path / "pending"


@pytest.fixture
def catalog():
    kitchen = CategoryFactory(name="Kitchen & Dining", slug="kitchen-dining")
    garden = CategoryFactory(name="Garden", slug="garden")
    today = date.today()
    return [
        ProductFactory(
            sku="MUG-1",
            name='=HYPERLINK("http://x")',  # a formula if a spreadsheet ran it
            price=Decimal("1064.50"),
            quantity=48,
            category=kitchen,
            supplier="Northfield, Inc.",
            description='Enamel; 350 ml\nchip-resistant rim, "speckled"',
            cost_price=Decimal("5.20"),
            expiry_date=today + timedelta(days=3),
            low_stock_threshold=10,
        ),
        ProductFactory(sku="SEED-1", name="Seeds", quantity=0, category=garden),
        ProductFactory(sku="TEA-1", name="Tea", quantity=2, category=None),
    ]


def counts(response):
    """The preview's counts as they read."""
    return re.sub(r"<[^>]+>", "", text(response))


def csv_text(response):
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode("utf-8")


def xlsx_rows_of(data):
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def xlsx_rows(response):
    assert isinstance(response, FileResponse)
    data = b"".join(response.streaming_content)
    return data, xlsx_rows_of(data)


def test_csv_has_the_import_columns_and_imports_back_unchanged(staff_client, catalog):
    response = staff_client.get(CSV_URL)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="products-')
    exported = csv_text(response)
    lines = exported.lstrip("\ufeff").splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert lines[1].startswith(
        'MUG-1,"\'=HYPERLINK(""http://x"")",1064.50,48,Kitchen & Dining,'
        '"Northfield, Inc.",'
    )
    response = upload(staff_client, exported.encode(), name="export.csv")
    assert "0 to create, 0 to update, 3 unchanged." in counts(response)


def test_xlsx_has_the_import_columns_typed_and_imports_back_unchanged(
    staff_client, catalog
):
    data, rows = xlsx_rows(staff_client.get(XLSX_URL))
    assert rows[0] == COLUMNS
    mug = dict(zip(COLUMNS, rows[1]))
    assert mug["name"] == '=HYPERLINK("http://x")'  # text, not a formula
    assert (mug["price"], mug["quantity"], mug["low_stock_threshold"]) == (
        1064.5,
        48,
        10,
    )
    assert mug["expiry_date"].date() == catalog[0].expiry_date
    response = upload(staff_client, data, name="export.xlsx")
    assert "0 to create, 0 to update, 3 unchanged." in counts(response)


@pytest.mark.parametrize(
    "query, skus",
    [
        ("", ["MUG-1", "SEED-1", "TEA-1"]),
        ("?q=seed", ["SEED-1"]),
        ("?category=kitchen-dining", ["MUG-1"]),
        ("?stock=out", ["SEED-1"]),
        ("?stock=low", ["TEA-1"]),
        ("?stock=in", ["MUG-1"]),
        ("?alert=expiring", ["MUG-1"]),
        ("?alert=below_cost", []),
        ("?sort=-quantity", ["MUG-1", "TEA-1", "SEED-1"]),
        ("?sort=-margin", ["MUG-1", "TEA-1", "SEED-1"]),  # no cost: last
        ("?sort=nonsense&stock=nonsense", ["MUG-1", "SEED-1", "TEA-1"]),
    ],
)
def test_exports_follow_the_tables_filters(staff_client, catalog, query, skus):
    lines = csv_text(staff_client.get(CSV_URL + query)).splitlines()[1:]
    assert [line.split(",")[0] for line in lines if line[:1].isupper()] == skus
    _, rows = xlsx_rows(staff_client.get(XLSX_URL + query))
    assert [row[0] for row in rows[1:]] == skus


@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL])
def test_exports_need_view_product(client, url):
    assert client.get(url).status_code == 302
    staff = logged_in_client(StaffWithoutPermissionsFactory())
    assert staff.get(url).status_code == 403
    watcher = logged_in_client(WatcherFactory())  # view_product
    assert watcher.get(url).status_code == 200
    assert watcher.post(url).status_code == 405


@pytest.mark.django_db(transaction=True)
def test_both_exports_stream_through_daphne(module_daphne):
    """Streamed responses read the database after the view returned: through a
    real ASGI server, as deployed."""
    Product.objects.bulk_create(  # more than one chunk; quicker than the factory
        Product(name=f"P {n}", slug=f"p-{n}", sku=f"P-{n}", price=1, quantity=1)
        for n in range(2_500)
    )
    cookie = session_cookie(WatcherFactory())
    for url, check in (
        (CSV_URL, lambda data: data.decode("utf-8-sig").count("\r\n") == 2_501),
        (XLSX_URL, lambda data: len(xlsx_rows_of(data)) == 2_501),
    ):
        request = Request(module_daphne.url + url, headers={"Cookie": cookie})
        with urlopen(request, timeout=60) as response:
            assert response.status == 200
            assert check(response.read())
