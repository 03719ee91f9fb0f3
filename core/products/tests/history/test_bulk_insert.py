"""``bulk_insert``: COPY (PostgreSQL) or executemany (SQLite) writes the rows
``bulk_create`` writes, and gives each instance its pk."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from products.history import bulk_insert
from products.models import ChangeBatch, Product, ProductChange
from products.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def products(prefix, category):
    return [
        Product(
            sku=f"{prefix}-{n}",
            name=f"Mug {n} “fine”, tab\there",
            slug=f"{prefix.lower()}-mug-{n}",
            price=Decimal("2.50") + n,
            quantity=n,
            category=category if n % 2 else None,
            supplier="Acme\nSupplies",
            description="Line one\\nstill one",
            cost_price=Decimal("1.10") if n % 3 else None,
            expiry_date=timezone.localdate() if n % 2 else None,
        )
        for n in range(5)
    ]


def changes(prefix, batch, made):
    return [
        ProductChange(
            action=ProductChange.Action.CREATED,
            product=product,
            product_slug=product.slug,
            product_name=product.name,
            source="test",
            changes=[{"field": "name", "old": None, "new": product.name}],
            product_version=1,
            alerts={"low_stock": [None, True]} if n % 2 else {},
            batch=batch,
        )
        for n, product in enumerate(made)
    ]


def stored(model, pks, ignore):
    ignore = {"id", *ignore}
    return [
        {key: value for key, value in row.items() if key not in ignore}
        for row in model.objects.filter(pk__in=pks).order_by("pk").values()
    ]


def test_writes_the_rows_bulk_create_writes():
    category = CategoryFactory()
    batch = ChangeBatch.objects.create(kind=ChangeBatch.Kind.IMPORT, label="x")
    # One path is the vendor's own: COPY on PostgreSQL, executemany on SQLite.
    copied = bulk_insert.insert(Product, products("A", category))
    created = Product.objects.bulk_create(products("B", category))
    assert all(product.pk for product in copied)
    assert [product._state.adding for product in copied] == [False] * 5
    # The same rows but for their own SKUs, addresses and timestamps.
    ignore = {"sku", "slug", "created_at", "updated_at"}
    mine = stored(Product, [p.pk for p in copied], ignore)
    theirs = stored(Product, [p.pk for p in created], ignore)
    assert mine == theirs
    assert mine[1]["name"] == "Mug 1 “fine”, tab\there"
    assert mine[1]["description"] == "Line one\\nstill one"

    copied_changes = bulk_insert.insert(ProductChange, changes("A", batch, copied))
    created_changes = ProductChange.objects.bulk_create(changes("A", batch, copied))
    ignore = {"created_at"}
    assert stored(ProductChange, [c.pk for c in copied_changes], ignore) == stored(
        ProductChange, [c.pk for c in created_changes], ignore
    )
    assert ProductChange.objects.get(pk=copied_changes[1].pk).alerts == {
        "low_stock": [None, True]
    }


def test_new_pks_follow_the_ones_used_and_later_rows_follow_them():
    first = bulk_insert.insert(Product, products("A", None))
    Product.objects.filter(pk=first[-1].pk).delete()  # its id is not given again
    second = bulk_insert.insert(Product, products("B", None))
    assert min(p.pk for p in second) > max(p.pk for p in first)
    after = Product.objects.create(sku="C-1", name="After", price=1)
    assert after.pk > max(p.pk for p in second)


def test_a_unique_value_taken_is_django_s_integrity_error():
    """The write path retries on it (an address taken by another writer)."""
    bulk_insert.insert(Product, products("A", None))
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert.insert(Product, products("A", None))
