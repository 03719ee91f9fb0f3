"""Migration 0003: change rows stored as display text become raw values, and back."""

import importlib

import pytest
from django.apps import apps as current_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from products.history.change_display import shown_change
from products.models import ProductChange
from products.tests.factories import CategoryFactory

BEFORE = [("products", "0003_former_slugs")]


def latest():
    """Every app's latest migration (0004 and what came after it): where the
    current models, and the rest of the suite, expect the database."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


migration = importlib.import_module("products.migrations.0004_change_raw_values")


def migrate(targets):
    """Migrates to ``targets``; the models as they are there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def old_row(model, *items):
    return model.objects.create(
        action="updated",
        product_slug="blue-mug",
        product_name="Blue Mug",
        source="shell",
        changes=list(items),
    )


@pytest.mark.django_db(transaction=True)
def test_rows_go_to_raw_values_and_back():
    old_apps = migrate(BEFORE)
    try:
        Category = old_apps.get_model("products", "Category")
        kitchen = Category.objects.create(name="Kitchen", slug="kitchen")
        garden = Category.objects.create(name="Garden", slug="garden")
        recorded = [
            {
                "field": "category",
                "label": "Category",
                "old": "Kitchen",
                "new": "Garden",
            },
            {"field": "price", "label": "Price", "old": "9.99", "new": "12.50"},
            {"field": "image", "label": "Image", "old": "", "new": "products/a.png"},
        ]
        row = old_row(old_apps.get_model("products", "ProductChange"), *recorded)
        migrate(latest())
        change = ProductChange.objects.get(pk=row.pk)
        assert change.changes == [
            {"field": "category", "old": str(kitchen.pk), "new": str(garden.pk)},
            {"field": "price", "old": "9.99", "new": "12.50"},
            {"field": "image", "old": "", "new": "products/a.png"},
        ]
        assert [(i.label, i.old, i.new) for i in shown_change(change).fields] == [
            ("Category", "Kitchen", "Garden"),
            ("Price", "$9.99", "$12.50"),
            ("Image", "—", "a.png"),
        ]
        old_apps = migrate(BEFORE)
        back = old_apps.get_model("products", "ProductChange").objects.get(pk=row.pk)
        assert back.changes == recorded
    finally:
        migrate(latest())


@pytest.mark.django_db
def test_a_name_that_matches_no_category_keeps_its_recorded_text():
    CategoryFactory(name="Kitchen")
    item = {"field": "category", "label": "Category", "old": "Kitchen", "new": "Gone"}
    change = old_row(ProductChange, item)
    migration.to_raw_values(current_apps, None)
    change.refresh_from_db()
    assert change.changes == [item]
    assert [(i.old, i.new) for i in shown_change(change).fields] == [
        ("Kitchen", "Gone")
    ]


@pytest.mark.django_db
def test_raw_rows_and_odd_shapes_are_left_alone():
    raw = {"field": "quantity", "old": "1", "new": "2"}
    change = old_row(ProductChange, raw, "not an item")
    odd = ProductChange.objects.create(
        action="updated", product_name="x", source="shell", changes={"a": 1}
    )
    migration.to_raw_values(current_apps, None)
    change.refresh_from_db()
    odd.refresh_from_db()
    assert change.changes == [raw, "not an item"]
    assert odd.changes == {"a": 1}


@pytest.mark.django_db
def test_many_rows_are_converted_in_batches(monkeypatch):
    monkeypatch.setattr(migration, "BATCH", 3)
    kitchen = CategoryFactory(name="Kitchen")
    item = {"field": "category", "label": "Category", "old": "", "new": "Kitchen"}
    ids = [old_row(ProductChange, item).pk for _ in range(7)]
    migration.to_raw_values(current_apps, None)
    assert [
        change.changes
        for change in ProductChange.objects.filter(pk__in=ids).order_by("pk")
    ] == [[{"field": "category", "old": "", "new": str(kitchen.pk)}]] * 7
