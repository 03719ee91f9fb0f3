import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from products.catalog.paging import CappedPaginator
from products.models import Product
from products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("product-list")


def heading(response):
    found = re.search(
        r'id="results-heading"[^>]*>(.*?)</h2>', response.content.decode(), re.S
    )
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", found[1])).split())


def shown(response):
    titles = re.findall(r'<h2 class="card-title">(.*?)</h2>', response.content.decode())
    return [html.unescape(title) for title in titles]


@pytest.fixture
def eight_lamps():
    return [
        ProductFactory(name=f"Lamp {n}", price=Decimal(10 + (n * 7) % 8))
        for n in range(8)
    ]


def test_a_count_past_the_limit_says_so_and_stops_there(settings, eight_lamps):
    settings.LIST_COUNT_LIMIT = 5
    settings.CATALOG_PAGE_SIZE = 2

    response = catalog_get(LIST_URL)

    assert heading(response).startswith("5+ products, page 1 of 3")


def test_a_count_under_the_limit_is_exact(settings, eight_lamps):
    settings.LIST_COUNT_LIMIT = 8
    settings.CATALOG_PAGE_SIZE = 2

    assert heading(catalog_get(LIST_URL)).startswith("8 products, page 1 of 4")


def test_pages_past_the_counted_ones_show_the_last_counted_page(settings, eight_lamps):
    settings.LIST_COUNT_LIMIT = 5
    settings.CATALOG_PAGE_SIZE = 2

    response = catalog_get(LIST_URL, {"page": 4})

    assert "page 3 of 3" in heading(response)
    assert shown(response) == ["Lamp 4", "Lamp 5"]


def test_the_bulk_button_for_every_match_does_not_claim_an_exact_count(
    settings, eight_lamps, admin_client
):
    settings.LIST_COUNT_LIMIT = 5

    page = admin_client.get(LIST_URL).content.decode()

    assert "… for all 5+ matching" in page


def test_a_search_keeps_the_chosen_order(eight_lamps):
    ProductFactory(name="Kettle", price=Decimal("1.00"))

    by_price = shown(catalog_get(LIST_URL, {"q": "lamp", "sort": "-price"}))
    by_name = shown(catalog_get(LIST_URL, {"q": "lamp", "sort": "-name"}))

    lamps = Product.objects.filter(name__startswith="Lamp")
    assert by_price == [p.name for p in lamps.order_by("-price", "pk")]
    assert by_name == [p.name for p in lamps.order_by("-name", "pk")]


def test_the_paginator_counts_no_further_than_one_past_the_limit(settings, eight_lamps):
    settings.LIST_COUNT_LIMIT = 3
    paginator = CappedPaginator(Product.objects.order_by("name", "pk"), 2)

    assert (paginator.found, paginator.count, paginator.capped) == (4, 3, True)
    assert paginator.num_pages == 2


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigram indexes are PostgreSQL's"
)
def test_a_search_on_postgresql_is_answered_by_the_trigram_indexes(eight_lamps):
    searched = (
        Product.objects.filter(name__icontains="lamp")
        | Product.objects.filter(sku__icontains="lamp")
        | Product.objects.filter(description__icontains="lamp")
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = searched.order_by().explain()

    for column in ("name", "sku", "description"):
        assert f"product_{column}_trgm_idx" in plan


def catalog_get(path, data=None):
    from django.test import Client

    return Client().get(path, data or {})
