"""Old web addresses of a product answer 301 to its current one."""

import importlib

import pytest
from django.apps import apps
from django.core.management import call_command

from accounts.tests.factories import WatcherFactory
from products.models import FormerSlug, ProductChange
from products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def rename(product, slug):
    product.slug = slug
    product.save()


def test_an_old_product_address_answers_301_to_the_current_one(client):
    product = ProductFactory(name="Blue Mug")
    rename(product, "azure-mug")

    response = client.get("/products/blue-mug/")

    assert response.status_code == 301
    assert response["Location"] == "/products/azure-mug/"
    assert client.get(response["Location"]).status_code == 200


def test_every_address_the_product_had_leads_to_the_current_one(client):
    product = ProductFactory(name="Blue Mug")
    rename(product, "azure-mug")
    rename(product, "navy-mug")

    for old in ("blue-mug", "azure-mug"):
        response = client.get(f"/products/{old}/")
        assert (response.status_code, response["Location"]) == (
            301,
            "/products/navy-mug/",
        )


def test_the_query_string_is_kept(client):
    product = ProductFactory(name="Blue Mug")
    rename(product, "azure-mug")

    response = client.get("/products/blue-mug/?utm=letter")

    assert response["Location"] == "/products/azure-mug/?utm=letter"


def test_an_old_history_address_answers_301_for_staff(client):
    product = ProductFactory(name="Blue Mug")
    rename(product, "azure-mug")
    client.force_login(WatcherFactory())

    response = client.get("/products/blue-mug/history/?page=2")

    assert response.status_code == 301
    assert response["Location"] == "/products/azure-mug/history/?page=2"


def test_an_old_history_address_sends_anonymous_visitors_to_log_in(client):
    product = ProductFactory(name="Blue Mug")
    rename(product, "azure-mug")

    response = client.get("/products/blue-mug/history/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_slug_another_product_uses_now_wins(client):
    first = ProductFactory(name="Blue Mug")
    rename(first, "azure-mug")
    second = ProductFactory(name="Blue Mug")  # takes the free "blue-mug"
    assert second.slug == "blue-mug"

    response = client.get("/products/blue-mug/")

    assert response.status_code == 200
    assert response.context["product"] == second


def test_the_latest_product_to_leave_an_address_gets_it(client):
    first = ProductFactory(name="Blue Mug")
    rename(first, "azure-mug")
    second = ProductFactory(name="Blue Mug")
    rename(second, "cobalt-mug")

    assert client.get("/products/blue-mug/")["Location"] == "/products/cobalt-mug/"


def test_a_product_back_at_an_old_address_is_served_there(client):
    product = ProductFactory(name="Blue Mug")
    rename(product, "azure-mug")
    rename(product, "blue-mug")

    assert client.get("/products/blue-mug/").status_code == 200
    assert client.get("/products/azure-mug/")["Location"] == "/products/blue-mug/"


def test_a_deleted_product_has_no_old_addresses(client):
    product = ProductFactory(name="Blue Mug")
    rename(product, "azure-mug")
    product.delete()

    assert client.get("/products/blue-mug/").status_code == 404
    assert client.get("/products/azure-mug/").status_code == 404


def test_an_unknown_slug_is_still_404(client):
    assert client.get("/products/never-was/").status_code == 404


def test_old_addresses_outlive_pruning_the_change_log(client):
    product = ProductFactory(name="Blue Mug")
    rename(product, "azure-mug")
    ProductChange.objects.update(created_at="2000-01-01T00:00:00Z")

    call_command("prune_changes", "--older-than", "1")

    assert not ProductChange.objects.exists()
    assert client.get("/products/blue-mug/")["Location"] == "/products/azure-mug/"


def test_the_migration_remembers_addresses_from_changes_recorded_before_it(client):
    product = ProductFactory(name="Blue Mug")
    rename(product, "azure-mug")
    other = ProductFactory(name="Red Mug")
    FormerSlug.objects.all().delete()  # as before the migration
    migration = importlib.import_module("products.migrations.0003_former_slugs")

    migration.remember_former_slugs(apps, None)

    assert dict(FormerSlug.objects.values_list("slug", "product")) == {
        "blue-mug": product.pk
    }
    assert client.get("/products/blue-mug/")["Location"] == "/products/azure-mug/"
    assert client.get(f"/products/{other.slug}/").status_code == 200
