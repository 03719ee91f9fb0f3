"""A product's timeline: /products/<slug>/history/."""

import re

import pytest
from django.test import Client, override_settings

from accounts.tests.factories import StaffWithoutPermissionsFactory, WatcherFactory
from products.models import ProductChange
from products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def watcher_client(client):
    client.force_login(WatcherFactory())
    return client


def row_ids(response):
    return [int(i) for i in re.findall(r'id="change-(\d+)"', response.content.decode())]


def edit(product, **values):
    for name, value in values.items():
        setattr(product, name, value)
    product.save()


def test_anonymous_visitors_are_sent_to_log_in(client):
    product = ProductFactory()
    url = f"/products/{product.slug}/history/"

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


def test_staff_without_the_permission_get_403(client):
    product = ProductFactory()
    client.force_login(StaffWithoutPermissionsFactory())

    assert client.get(f"/products/{product.slug}/history/").status_code == 403


def test_the_timeline_lists_the_products_changes_newest_first(watcher_client):
    product = ProductFactory(name="Blue Mug", quantity=5)
    edit(product, quantity=4)
    edit(product, quantity=3)
    ProductFactory(name="Red Mug")  # another product's change is not listed
    mine = list(
        ProductChange.objects.filter(product=product)
        .order_by("-pk")
        .values_list("pk", flat=True)
    )

    response = watcher_client.get(f"/products/{product.slug}/history/")

    assert response.status_code == 200
    assert row_ids(response) == mine
    html = response.content.decode()
    assert "<h1>History of Blue Mug</h1>" in html
    assert "3 changes, newest first" in html
    assert "Red Mug" not in html


def test_the_timeline_follows_the_product_across_slug_changes(watcher_client):
    product = ProductFactory(name="Blue Mug", quantity=5)
    edit(product, quantity=4)
    edit(product, slug="azure-mug")
    edit(product, quantity=3)
    # A new product at the old address has a history of its own.
    ProductFactory(name="Blue Mug", quantity=9)

    response = watcher_client.get("/products/azure-mug/history/")

    assert row_ids(response) == list(
        ProductChange.objects.filter(product=product)
        .order_by("-pk")
        .values_list("pk", flat=True)
    )
    assert len(row_ids(response)) == 4
    new_one = watcher_client.get("/products/blue-mug/history/")
    assert len(row_ids(new_one)) == 1


@override_settings(FEED_PAGE_SIZE=2)
def test_the_timeline_is_paginated(watcher_client):
    product = ProductFactory(quantity=10)
    for quantity in (9, 8, 7, 6):
        edit(product, quantity=quantity)
    ids = list(product.changes.order_by("-pk").values_list("pk", flat=True))

    first = watcher_client.get(f"/products/{product.slug}/history/")
    last = watcher_client.get(f"/products/{product.slug}/history/?page=3")

    assert row_ids(first) == ids[:2]
    assert 'href="?page=2" rel="next">Older' in first.content.decode()
    assert row_ids(last) == ids[4:]
    assert 'href="?page=2" rel="prev">' in last.content.decode()
    assert "Page 3 of 3" in last.content.decode()


def test_rows_read_like_the_feed(watcher_client):
    product = ProductFactory(name="Blue Mug", price="9.99")
    edit(product, price="12.50")

    html = watcher_client.get(f"/products/{product.slug}/history/").content.decode()

    assert '<del class="old">$9.99</del>' in html
    assert '<ins class="new">$12.50</ins>' in html


def test_an_unknown_product_is_404(watcher_client):
    assert watcher_client.get("/products/never-was/history/").status_code == 404


def test_the_product_page_links_to_the_history_for_those_who_may_see_it():
    product = ProductFactory(name="Blue Mug")
    link = f'href="/products/{product.slug}/history/"'
    page = product.get_absolute_url()
    anonymous, watcher, other_staff = Client(), Client(), Client()
    watcher.force_login(WatcherFactory())
    other_staff.force_login(StaffWithoutPermissionsFactory())

    assert link in watcher.get(page).content.decode()
    assert link not in anonymous.get(page).content.decode()
    assert link not in other_staff.get(page).content.decode()


def test_each_feed_row_links_to_its_products_history(watcher_client):
    product = ProductFactory(name="Blue Mug")
    edit(product, slug="azure-mug")
    gone = ProductFactory(name="Gone Mug")
    gone.delete()

    html = watcher_client.get("/dashboard/products/").content.decode()

    # Rows recorded under the old address link there; it answers 301.
    assert 'href="/products/blue-mug/history/"' in html
    assert 'href="/products/azure-mug/history/"' in html
    assert "/products/gone-mug/history/" not in html
