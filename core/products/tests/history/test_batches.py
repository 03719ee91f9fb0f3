"""A batch of product writes: one transaction, a change per product linked to
the batch, announced once, shown once in the feed and on each product's history."""

from decimal import Decimal

import pytest
from django.db.models import F
from django.urls import reverse

from products.editing import writes
from products.models import ChangeBatch, Product
from products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)


def price_items(products, price):
    return [writes.BatchItem(p, {"price": Decimal(price)}, p.version) for p in products]


def test_a_batch_records_a_change_per_product_and_announces_once(announced):
    products = [ProductFactory(price=Decimal("1.00")) for _ in range(5)]
    announced.clear()
    new = {"sku": "NEW-1", "name": "New", "price": Decimal("3")}
    items = [*price_items(products[:4], "2.00"), writes.BatchItem(None, new)]
    items.append(writes.BatchItem(products[4], {"price": Decimal("1.00")}, 1))

    batch = writes.products_import(items=items, label="prices.csv")

    [change_set] = announced  # once, with every change and the batch
    assert change_set.batches == [batch]
    assert [change.pk for change in change_set.changes] == sorted(
        batch.changes.values_list("pk", flat=True)
    )
    assert batch.summary == {"updated": 4, "created": 1, "deleted": 0, "unchanged": 1}
    assert batch.changes.count() == 5
    assert batch.entry == batch.changes.latest("pk")
    assert Product.objects.filter(price=Decimal("2.00")).count() == 4


def test_a_stale_item_refuses_the_whole_batch(announced):
    fresh, stale = ProductFactory(), ProductFactory()
    loaded = Product.objects.get(pk=stale.pk)
    stale.quantity = 99
    stale.save()
    announced.clear()
    with pytest.raises(writes.BatchStale) as refused:
        writes.products_bulk(items=price_items([fresh, loaded], "5.00"), label="x")
    [refusal] = refused.value.refusals
    assert refusal.product.pk == stale.pk
    assert [c.field_changes[0].new for c in refusal.changes] == ["99"]
    assert not ChangeBatch.objects.exists() and not announced
    assert Product.objects.get(pk=fresh.pk).price == Decimal("9.99")


def test_a_change_meanwhile_between_check_and_write_rolls_everything_back(
    monkeypatch,
):
    first, second = ProductFactory(), ProductFactory()
    items = price_items([first, second], "5.00")
    check = writes.stale_items

    def check_then_someone_else_writes(items):
        found = check(items)
        Product.objects.filter(pk=second.pk).update(version=F("version") + 1)
        return found

    monkeypatch.setattr(writes, "stale_items", check_then_someone_else_writes)
    with pytest.raises(writes.BatchStale) as refused:
        writes.products_bulk(items=items, label="x")
    assert [r.product.pk for r in refused.value.refusals] == [second.pk]
    assert Product.objects.get(pk=first.pk).price == Decimal("9.99")
    assert not ChangeBatch.objects.exists()


def test_a_sku_created_since_the_preview_refuses_the_batch():
    ProductFactory(sku="NEW-1")
    item = writes.BatchItem(None, {"sku": "NEW-1", "name": "N", "price": Decimal(1)})
    with pytest.raises(writes.BatchStale) as refused:
        writes.products_import(items=[item], label="x")
    assert refused.value.refusals[0].product.sku == "NEW-1"


def test_a_batch_that_changes_nothing_records_nothing(announced):
    product = ProductFactory(price=Decimal("1.00"))
    announced.clear()
    assert writes.products_bulk(items=price_items([product], "1.00"), label="x") is None
    assert not ChangeBatch.objects.exists() and not announced


@pytest.fixture
def imported(staff_user):
    from products.history.actor import acting_as

    products = [
        ProductFactory(name=f"Mug {n}", price=Decimal("1.00")) for n in range(25)
    ]
    with acting_as(staff_user, "web"):
        return writes.products_import(
            items=price_items(products, "2.00"), label="prices.csv"
        )


def test_the_feed_shows_a_batch_as_one_entry(staff_client, imported):
    ProductFactory(name="Alone")
    page = staff_client.get(reverse("dashboard-products")).content.decode()
    assert page.count('class="change change-batch"') == 1
    assert page.count('class="change change-updated"') == 0
    # The products' own creations, each alone.
    assert page.count('class="change change-created"') == 26
    assert (
        'staff</span> imported <span class="change-batch-label">prices.csv</span>: '
        '<span class="change-batch-summary">25 updated</span>'
    ) in page
    # It unfolds to the first products' changes and links to the rest.
    assert page.count('<del class="old">$1.00</del>') == 20
    assert reverse("change-batch", args=[imported.pk]) in page
    assert "All 25 changes" in page


def test_each_product_history_links_to_its_batch(staff_client, imported):
    product = imported.changes.first().product
    page = staff_client.get(reverse("product-history", args=[product.slug]))
    assert (
        f'Part of <a href="{reverse("change-batch", args=[imported.pk])}">'
        "import prices.csv</a>"
    ) in page.content.decode()


def test_the_batch_page_lists_every_change(staff_client, imported):
    page = staff_client.get(reverse("change-batch", args=[imported.pk]))
    html = page.content.decode()
    assert "staff imported prices.csv" in html
    assert html.count('class="change change-updated"') == 25
    assert staff_client.get(reverse("change-batch", args=[0])).status_code == 404


def test_the_batch_page_needs_the_feed_permission(regular_client, imported):
    url = reverse("change-batch", args=[imported.pk])
    assert regular_client.get(url).status_code == 403


def test_each_written_product_is_at_its_next_version_and_its_change_says_so():
    product = ProductFactory(price=Decimal("1.00"))
    before = Product.objects.get(pk=product.pk)
    new = {"sku": "new-1", "name": "New", "price": Decimal("3")}
    items = [*price_items([product], "2.00"), writes.BatchItem(None, new)]
    batch = writes.products_import(items=items, label="x")
    updated = Product.objects.get(pk=product.pk)
    assert updated.version == before.version + 1
    assert updated.updated_at > before.updated_at
    created = Product.objects.get(sku="NEW-1")
    assert (created.version, created.slug) == (1, "new")
    assert dict(batch.changes.values_list("product", "product_version")) == {
        updated.pk: updated.version,
        created.pk: 1,
    }
    with pytest.raises(writes.MergeConflict):  # a form opened before the import
        writes.product_update(
            product=before, version=before.version, data={"price": Decimal("5")}
        )
    writes.product_update(product=before, version=before.version, data={"quantity": 1})
    merged = Product.objects.get(pk=product.pk)
    assert (merged.price, merged.quantity) == (Decimal("2.00"), 1)
