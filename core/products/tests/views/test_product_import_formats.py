"""The import page with the files people have: workbooks, other delimiters and
encodings, numbers and dates in their own format, extra columns, new categories."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.groups import permissions
from accounts.tests.factories import StaffFactory, WatcherFactory
from core.testing.fixtures import logged_in_client
from products.models import Category, Product
from products.tests.factories import CategoryFactory, ProductFactory
from products.tests.transfer.sheets import ods_bytes, xlsx_bytes
from products.tests.views.test_product_import import confirm, digest_in, text, upload

pytestmark = pytest.mark.django_db

URL = reverse("product-import")


@pytest.fixture(autouse=True)
def pending_dir(settings, tmp_path):
    settings.IMPORT_PENDING_DIR = tmp_path / "pending"


def with_options(client, data, name, **options):
    return client.post(URL, {"file": SimpleUploadedFile(name, data), **options})


@pytest.mark.parametrize(
    "name, data",
    [
        (
            "semicolon.csv",
            "sku;name;price\nMUG-1;Blue Mug;12.50\n".encode(),
        ),
        (
            "unicode.txt",
            "sku\tname\tprice\r\nMUG-1\tBlue Mug\t12.50\r\n".encode("utf-16"),
        ),
        ("bom.csv", "\ufeffsku,name,price\nMUG-1,Blue Mug,12.50\n".encode()),
        (
            "sheet.xlsx",
            xlsx_bytes([("sku", "name", "price"), ("MUG-1", "Blue Mug", 12.5)]),
        ),
        (
            "sheet.ods",
            ods_bytes(
                [("sku", "name", "price"), ("MUG-1", "Blue Mug", Decimal("12.5"))]
            ),
        ),
    ],
    ids=["semicolon", "utf-16-tab", "utf-8-bom", "xlsx", "ods"],
)
def test_each_format_previews_and_imports(staff_client, name, data):
    response = with_options(staff_client, data, name)
    assert response.status_code == 200
    assert "1 to create" in text(response)
    confirm(staff_client, digest_in(response))
    product = Product.objects.get(sku="MUG-1")
    assert (product.name, product.price) == ("Blue Mug", Decimal("12.50"))


def test_number_format_and_date_order_are_chosen_and_kept_for_the_confirmation(
    staff_client,
):
    data = (
        "sku;name;price;cost_price;expiry_date\n"
        "MUG-1;Mug;€ 1.064,50;18,50;06/07/2027\n"
    ).encode()
    response = with_options(staff_client, data, "eu.csv")
    page = text(response)
    assert "&quot;€ 1.064,50&quot; is not a price: write 1064.50" in page
    assert "&quot;06/07/2027&quot; is not a date as YYYY-MM-DD" in page
    assert not Product.objects.exists()

    response = with_options(staff_client, data, "eu.csv", decimal=",", date_order="dmy")
    assert "1 to create" in text(response)
    # The next upload is read the same way unless changed.
    assert '<option value="dmy" selected>' in response.content.decode()
    confirm(staff_client, digest_in(response))
    product = Product.objects.get(sku="MUG-1")
    assert (product.price, product.cost_price, product.expiry_date) == (
        Decimal("1064.50"),
        Decimal("18.50"),
        date(2027, 7, 6),
    )


def test_unknown_columns_are_ignored_and_named(staff_client):
    response = upload(
        staff_client, "sku,barcode,name,price,weight,,\nMUG-1,400638,Mug,1,350 g,,\n"
    )
    page = text(response)
    assert "Ignored columns: barcode, weight" in page
    assert "1 to create" in page


def test_a_new_category_is_created_on_confirm_by_who_may_add_categories():
    CategoryFactory(name="Kitchen", slug="kitchen")
    ProductFactory(sku="MUG-1", name="Mug", category=None)
    user = StaffFactory(user_permissions=permissions(["products.add_category"]))
    client = logged_in_client(user)
    data = "sku,name,price,category\nMUG-1,Mug,1,Garden\nTEA-1,Tea,2,garden\n"
    response = upload(client, data)
    page = text(response)
    assert "New categories, created when you confirm: Garden" in page
    assert "1 to create" in page and "1 to update" in page
    assert "Garden" in page.split("To update")[1]  # the change shows its name
    assert not Category.objects.filter(name="Garden").exists()  # a preview

    confirm(client, digest_in(response))
    garden = Category.objects.get(name="Garden")
    assert set(Product.objects.values_list("sku", "category")) == {
        ("MUG-1", garden.pk),
        ("TEA-1", garden.pk),
    }


def test_without_add_category_the_rows_are_refused_saying_who_may(staff_client):
    response = upload(staff_client, "sku,name,price,category\nMUG-1,Mug,1,Garden\n")
    page = text(response)
    assert "Unknown category “Garden”. Only staff allowed to add categories" in page
    assert 'name="digest"' not in page
    assert not Category.objects.exists()


def test_a_refused_confirmation_keeps_no_new_category(settings):
    user = StaffFactory(user_permissions=permissions(["products.add_category"]))
    client = logged_in_client(user)
    response = upload(client, "sku,name,price,category\nMUG-1,Mug,1,Garden\n")
    ProductFactory(sku="MUG-1")  # created meanwhile: the preview is stale
    response = confirm(client, digest_in(response))
    assert response.status_code == 409
    assert not Category.objects.filter(name="Garden").exists()


def test_the_template_is_downloadable_from_the_import_page(staff_client):
    page = staff_client.get(URL).content.decode()
    template_url = reverse("product-import-template")
    assert f'href="{template_url}"' in page
    response = staff_client.get(template_url)
    assert response["Content-Disposition"] == (
        'attachment; filename="products-template.csv"'
    )
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "sku,name,price,quantity,category,supplier,description,cost_price,"
        "expiry_date,low_stock_threshold"
    )
    assert len(lines) == 2
    # It imports as it is (its category made first).
    CategoryFactory(name="Kitchen & Dining", slug="kitchen-dining")
    response = upload(staff_client, "\n".join(lines).encode(), name="template.csv")
    assert "1 to create" in text(response)


def test_the_template_needs_the_import_permissions(client):
    template_url = reverse("product-import-template")
    assert client.get(template_url).status_code == 302
    watcher = logged_in_client(WatcherFactory())
    assert watcher.get(template_url).status_code == 403


def test_new_category_names_match_existing_slugs_and_are_bounded():
    tools = CategoryFactory(name="Garden tools", slug="garden-tools")
    user = StaffFactory(user_permissions=permissions(["products.add_category"]))
    client = logged_in_client(user)
    long_name = "x" * 101
    response = upload(
        client,
        "sku,name,price,category\n"
        f"MUG-1,Mug,1,Garden Tools!\nTEA-1,Tea,1,{long_name}\nJAM-1,Jam,1,???\n",
    )
    page = text(response)
    assert "New categories" not in page
    assert f"“{long_name}” cannot name a new category" in page
    assert "“???” cannot name a new category" in page
    response = upload(client, "sku,name,price,category\nMUG-1,Mug,1,Garden Tools!\n")
    confirm(client, digest_in(response))
    assert Product.objects.get(sku="MUG-1").category == tools
    assert Category.objects.count() == 1
