"""/products/import/: upload, a preview that writes nothing, confirm, refusals."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.tests.factories import StaffFactory, WatcherFactory
from core.testing.fixtures import logged_in_client
from products.models import ChangeBatch, Product, ProductChange
from products.tests.factories import CategoryFactory, ProductFactory
from products.transfer import pending

pytestmark = pytest.mark.django_db

URL = reverse("product-import")
EXAMPLE = Path(__file__).resolve().parents[4] / "docs" / "examples" / "products.csv"


@pytest.fixture(autouse=True)
def pending_dir(settings, tmp_path):
    settings.IMPORT_PENDING_DIR = tmp_path / "pending"
    return settings.IMPORT_PENDING_DIR


def upload(client, data, name="prices.csv", **headers):
    if isinstance(data, str):
        data = data.encode()
    return client.post(URL, {"file": SimpleUploadedFile(name, data)}, **headers)


def digest_in(response):
    return re.search(
        r'name="digest" value="([0-9a-f]{64})"', response.content.decode()
    )[1]


def confirm(client, digest, **headers):
    return client.post(URL, {"digest": digest}, **headers)


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def demo_catalog():
    """What the example file updates: one product and its categories."""
    kitchen = CategoryFactory(name="Kitchen & Dining", slug="kitchen-dining")
    CategoryFactory(name="Home Office", slug="home-office")
    return ProductFactory(
        sku="KIT-1001",
        name="Enamel Camping Mug",
        price=Decimal("12.50"),
        quantity=48,
        category=kitchen,
        supplier="Northfield Housewares",
        description="Speckled enamel mug, 350 ml, chip-resistant rim.",
    )


def test_the_example_file_previews_then_imports_as_one_batch(
    staff_client, staff_user, demo_catalog
):
    response = upload(staff_client, EXAMPLE.read_bytes(), name="products.csv")
    assert response.status_code == 200
    page = text(response)
    assert '3 to create</span>, <span data-count="updated">1 to update' in page
    assert (
        '<del class="old">$12.50</del>' in page
        and '<ins class="new">$13.50</ins>' in page
    )
    # Nothing written: only the demo product and its own creation.
    assert (Product.objects.count(), ProductChange.objects.count()) == (1, 1)

    response = confirm(staff_client, digest_in(response), follow=True)
    assert "Imported products.csv: 1 updated, 3 created." in text(response)
    batch = ChangeBatch.objects.get()
    assert (batch.kind, batch.label, batch.actor, batch.source) == (
        "import",
        "products.csv",
        staff_user,
        "web",
    )
    assert batch.summary == {"updated": 1, "created": 3, "deleted": 0, "unchanged": 0}
    assert batch.changes.count() == 4
    assert batch.entry == ProductChange.objects.latest("pk")
    coffee = Product.objects.get(sku="KIT-1010")
    assert (coffee.cost_price, str(coffee.expiry_date)) == (
        Decimal("7.50"),
        "2027-06-30",
    )
    assert Product.objects.get(sku="KIT-1001").price == Decimal("13.50")


def test_a_preview_with_errors_lists_them_and_offers_no_import(staff_client):
    response = upload(staff_client, "sku,name,price\nMUG-1,Mug,abc\nMUG-1,Mug,1\n")
    page = text(response)
    assert (
        "<td>2</td><td>price (C)</td>"
        "<td>&quot;abc&quot; is not a price: write a number such as 1234.50</td>"
    ) in page
    assert "<td>3</td><td>sku (A)</td><td>SKU MUG-1 is also on line 2" in page
    assert 'name="digest"' not in page
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "This is not a CSV file"),
        (
            "sku\nCafé\n".encode("utf-32"),
            "The file is UTF-32 text, which the import does not read.",
        ),
        (b"colour,size\nA,b\n", "The first line must be the header"),
    ],
    ids=["empty", "binary", "utf-32", "no-known-column"],
)
def test_bad_files_get_400_with_the_reason_and_change_nothing(
    staff_client, data, message
):
    response = upload(staff_client, data)
    assert response.status_code == 400
    assert message in text(response)
    assert not ProductChange.objects.exists()


def test_files_over_the_size_limit_are_refused_unread(staff_client, settings):
    settings.IMPORT_MAX_BYTES = 50
    response = upload(staff_client, "sku,name,price\n" + "MUG-1,Mug,1\n" * 10)
    assert response.status_code == 400
    assert "The file is 135 bytes; an import takes at most 50 bytes." in text(response)


def test_a_file_changed_since_the_preview_is_refused(staff_client):
    first = upload(staff_client, "sku,name,price\nMUG-1,Mug,1\n")
    upload(staff_client, "sku,name,price\nMUG-1,Mug,2\n")  # another tab's preview
    response = confirm(staff_client, digest_in(first))
    assert response.status_code == 409
    assert "The file changed since this preview" in text(response)
    assert not Product.objects.exists()


def test_a_kept_file_altered_on_disk_is_refused(staff_client, staff_user):
    response = upload(staff_client, "sku,name,price\nMUG-1,Mug,1\n")
    digest = digest_in(response)
    kept = pending.paths(digest, owner=staff_user.pk)[0]
    kept.write_bytes(b"sku,name,price\nMUG-1,Mug,0\n")
    assert confirm(staff_client, digest).status_code == 409
    assert not Product.objects.exists()


def test_a_sku_created_since_the_preview_refuses_the_whole_file(staff_client):
    mug = ProductFactory(sku="MUG-1", name="Mug", price=Decimal("1.00"))
    response = upload(staff_client, "sku,name,price\nMUG-1,Mug,2\nMUG-2,Mug,3\n")
    ProductFactory(sku="MUG-2", price=Decimal("3.00"))  # created meanwhile
    response = confirm(staff_client, digest_in(response))
    assert response.status_code == 409
    page = text(response)
    assert "1 product changed since the preview" in page
    assert Product.objects.get(pk=mug.pk).price == Decimal("1.00")
    assert not ChangeBatch.objects.exists()


def change_meanwhile(product, **values):
    """Another user's save of ``product`` between the preview and the confirm."""
    product = Product.objects.get(pk=product.pk)
    for name, value in values.items():
        setattr(product, name, value)
    product.save()


def test_a_product_changed_since_the_preview_is_merged_with_its_row(staff_client):
    mug = ProductFactory(sku="MUG-1", name="Mug", price=Decimal("1.00"), quantity=5)
    response = upload(staff_client, "sku,name,price,quantity\nMUG-1,Mug,1.00,9\n")
    change_meanwhile(mug, price=Decimal("1.50"))  # the file leaves the price

    response = confirm(staff_client, digest_in(response))

    assert response.status_code == 302
    mug.refresh_from_db()
    assert (mug.price, mug.quantity) == (Decimal("1.50"), 9)
    change = ProductChange.objects.latest("pk")
    assert [item.field for item in change.field_changes] == ["quantity"]


def conflicting_import(staff_client):
    """Three products previewed; then one of them gets another price than the
    file gives it, one another quantity than the file leaves it at."""
    first = ProductFactory(sku="MUG-1", price=Decimal("1.00"), quantity=5)
    second = ProductFactory(sku="MUG-2", price=Decimal("2.00"), quantity=5)
    ProductFactory(sku="MUG-3", price=Decimal("3.00"))
    csv = "sku,price,quantity\nMUG-1,1.25,5\nMUG-2,2.25,5\nMUG-3,3.25,5\n"
    response = upload(staff_client, csv)
    change_meanwhile(first, price=Decimal("1.10"))
    change_meanwhile(second, quantity=6)
    return first, second, digest_in(response)


def test_rows_that_conflict_are_listed_and_nothing_is_imported(staff_client):
    first, _, digest = conflicting_import(staff_client)

    response = confirm(staff_client, digest)

    assert response.status_code == 409
    page = text(response)
    assert "1 row conflicts with changes made since the preview" in page
    row = re.search(r'<tr data-sku="MUG-1" data-field="price">(.*?)</tr>', page)[1]
    assert re.sub(r"<[^>]+>", " ", row).split() == (
        f"{first.name} (MUG-1) Price $1.00 $1.10 by system, just now $1.25".split()
    )
    assert "Apply the 2 rows without conflicts" in page
    assert Product.objects.get(sku="MUG-3").price == Decimal("3.00")
    assert not ChangeBatch.objects.exists()


def test_the_rows_without_conflicts_can_be_applied(staff_client):
    first, second, digest = conflicting_import(staff_client)

    response = staff_client.post(URL, {"digest": digest, "skip_conflicts": "1"})

    assert response.status_code == 302
    prices = dict(Product.objects.values_list("sku", "price"))
    assert prices == {
        "MUG-1": Decimal("1.10"),  # the conflict: left as it is
        "MUG-2": Decimal("2.25"),  # merged: their quantity kept
        "MUG-3": Decimal("3.25"),
    }
    assert Product.objects.get(sku="MUG-2").quantity == 6
    assert ChangeBatch.objects.get().changes.count() == 2


def test_a_conflicting_file_can_be_previewed_again_and_then_imported(staff_client):
    _, _, digest = conflicting_import(staff_client)
    confirm(staff_client, digest)

    response = staff_client.post(URL, {"digest": digest, "again": "1"})

    assert response.status_code == 200
    assert "Preview of prices.csv" in text(response)
    assert not ChangeBatch.objects.exists()
    assert confirm(staff_client, digest_in(response)).status_code == 302
    assert Product.objects.get(sku="MUG-1").price == Decimal("1.25")


def test_confirming_twice_imports_once(staff_client):
    response = upload(staff_client, "sku,name,price\nMUG-1,Mug,1\n")
    digest = digest_in(response)
    assert confirm(staff_client, digest).status_code == 302
    assert confirm(staff_client, digest).status_code == 409
    assert ChangeBatch.objects.count() == 1


def test_with_htmx_the_result_is_swapped_in_and_confirm_redirects(staff_client):
    htmx = {"HTTP_HX_REQUEST": "true"}
    response = upload(staff_client, b"", **htmx)
    assert response.status_code == 200  # htmx swaps 2xx only
    assert response.content.decode().startswith('<div id="import"')
    assert "The file is empty." in text(response)
    response = upload(staff_client, "sku,name,price\nMUG-1,Mug,1\n", **htmx)
    assert 'hx-indicator="#import-progress"' in text(response)
    response = confirm(staff_client, digest_in(response), **htmx)
    assert response["HX-Redirect"] == URL
    assert Product.objects.filter(sku="MUG-1").exists()


def test_the_page_needs_add_and_change_product(client):
    assert client.get(URL).status_code == 302  # to the login page
    watcher = logged_in_client(WatcherFactory())
    assert watcher.get(URL).status_code == 403
    assert upload(watcher, "sku,name,price\nMUG-1,Mug,1\n").status_code == 403
    assert not Product.objects.exists()


def test_the_page_explains_the_format(staff_client):
    page = text(staff_client.get(URL))
    assert (
        "sku,name,price,quantity,category,supplier,description,cost_price,expiry_date"
        in page
    )
    assert "At most 10,000 rows" in page


def test_previews_of_one_user_leave_another_users_pending_import(
    staff_client, settings
):
    # Fifty-one previews by one user used to push out everyone else's.
    settings.IMPORT_PENDING_FILES = 2
    mine = digest_in(upload(staff_client, "sku,name,price\nMUG-1,Mug,1\n"))
    other = logged_in_client(StaffFactory(username="other"))
    for number in range(3):
        upload(other, f"sku,name,price\nLAMP-{number},Lamp,1\n")

    response = confirm(staff_client, mine)

    assert response.status_code == 302
    assert Product.objects.get().sku == "MUG-1"
