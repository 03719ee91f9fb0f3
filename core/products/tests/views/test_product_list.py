import html
import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from django.urls import reverse
from django.utils import timezone

from products.models import Product
from products.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("product-list")


def shown(response):
    """Names of the products on the page, in the order shown."""
    titles = re.findall(r'<h2 class="card-title">(.*?)</h2>', response.content.decode())
    return [html.unescape(title) for title in titles]


def pagination_links(response):
    """The query of every link in the pagination bar, parsed."""
    nav = re.search(
        r'<nav class="pagination".*?</nav>', response.content.decode(), re.S
    )
    assert nav, "no pagination bar"
    hrefs = re.findall(r'href="\?([^"]*)"', nav[0])
    return [parse_qs(html.unescape(href)) for href in hrefs]


@pytest.fixture
def catalog():
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    garden = CategoryFactory(name="Garden", slug="garden")
    return {
        "mug": ProductFactory(
            name="Blue Mug",
            sku="MUG-1",
            price=Decimal("12.50"),
            quantity=7,
            category=kitchen,
            description="Stoneware.",
        ),
        "teapot": ProductFactory(
            name="Teapot",
            sku="TEA-9",
            price=Decimal("30.00"),
            quantity=0,
            category=kitchen,
            description="Holds a LITRE of tea.",
        ),
        "hose": ProductFactory(
            name="Garden Hose",
            sku="HOSE-20",
            price=Decimal("5.25"),
            quantity=3,
            category=garden,
            description="Twenty metres.",
        ),
    }


def test_catalog_lists_every_product_by_name(client, catalog):
    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert shown(response) == ["Blue Mug", "Garden Hose", "Teapot"]
    assert "3 products" in response.content.decode()


def test_home_page_leads_to_the_catalog(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response.url == LIST_URL


@pytest.mark.parametrize(
    "query, names",
    [
        ("mug", ["Blue Mug"]),  # name
        ("BLUE", ["Blue Mug"]),  # name, other case
        ("tea-9", ["Teapot"]),  # SKU
        ("hose-2", ["Garden Hose"]),  # part of a SKU
        ("litre", ["Teapot"]),  # description
        ("METRES", ["Garden Hose"]),  # description, other case
        ("  mug  ", ["Blue Mug"]),  # surrounding spaces
        ("e", ["Blue Mug", "Garden Hose", "Teapot"]),
    ],
)
def test_search_matches_name_sku_and_description_ignoring_case(
    client, catalog, query, names
):
    response = client.get(LIST_URL, {"q": query})

    assert shown(response) == names


def test_search_says_what_it_matched(client, catalog):
    content = client.get(LIST_URL, {"q": "mug"}).content.decode()

    assert "1 product matching “mug”" in content


def test_category_filter_uses_the_category_slug(client, catalog):
    response = client.get(LIST_URL, {"category": "kitchen"})

    assert shown(response) == ["Blue Mug", "Teapot"]
    assert "in Kitchen" in response.content.decode()


def test_search_and_category_combine(client, catalog):
    response = client.get(LIST_URL, {"q": "tea", "category": "garden"})

    assert shown(response) == []


def test_unknown_category_shows_everything(client, catalog):
    response = client.get(LIST_URL, {"category": "no-such-category"})

    assert response.status_code == 200
    assert shown(response) == ["Blue Mug", "Garden Hose", "Teapot"]


def test_no_match_says_so(client, catalog):
    response = client.get(LIST_URL, {"q": "bicycle"})

    assert response.status_code == 200
    assert shown(response) == []
    assert "No products match" in response.content.decode()


@pytest.mark.parametrize(
    "sort, names",
    [
        ("name", ["Blue Mug", "Garden Hose", "Teapot"]),
        ("-name", ["Teapot", "Garden Hose", "Blue Mug"]),
        ("price", ["Garden Hose", "Blue Mug", "Teapot"]),
        ("-price", ["Teapot", "Blue Mug", "Garden Hose"]),
        ("quantity", ["Teapot", "Garden Hose", "Blue Mug"]),
        ("-quantity", ["Blue Mug", "Garden Hose", "Teapot"]),
        ("newest", ["Teapot", "Blue Mug", "Garden Hose"]),
    ],
)
def test_every_sort_orders_the_products(client, catalog, sort, names):
    now = timezone.now()
    for age, key in enumerate(["teapot", "mug", "hose"]):
        Product.objects.filter(pk=catalog[key].pk).update(
            created_at=now - timedelta(days=age)
        )

    response = client.get(LIST_URL, {"sort": sort})

    assert shown(response) == names
    assert f'value="{sort}" selected' in response.content.decode()


@pytest.mark.parametrize("sort", ["bogus", "-created_at", "price;drop", ""])
def test_unknown_sort_falls_back_to_name(client, catalog, sort):
    response = client.get(LIST_URL, {"sort": sort})

    assert response.status_code == 200
    assert shown(response) == ["Blue Mug", "Garden Hose", "Teapot"]


def test_stock_is_shown_as_a_badge(client, catalog):
    content = client.get(LIST_URL).content.decode()

    assert "Out of stock" in content  # teapot, 0
    assert "Low stock: 3" in content  # hose, at most LOW_STOCK_THRESHOLD
    assert "In stock" in content  # mug, 7


def test_cards_show_money_and_stock_in_the_site_formats(client, settings):
    settings.LOW_STOCK_THRESHOLD = 5000
    ProductFactory(name="Big Tank", price=Decimal("99999999.99"), quantity=1500)

    content = client.get(LIST_URL).content.decode()

    assert 'class="price" id="product-' in content
    assert ">$99,999,999.99</span>" in content
    assert "Low stock: 1,500" in content


def test_product_name_is_escaped(client):
    ProductFactory(name="<script>alert(1)</script>")

    content = client.get(LIST_URL).content.decode()

    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_search_text_is_escaped(client, catalog):
    content = client.get(LIST_URL, {"q": '"><script>x</script>'}).content.decode()

    assert "<script>x</script>" not in content
    assert "&lt;script&gt;x&lt;/script&gt;" in content


# Pagination ------------------------------------------------------------------


@pytest.fixture
def fourteen_products(settings):
    assert settings.CATALOG_PAGE_SIZE == 12
    category = CategoryFactory(name="Boxes", slug="boxes")
    for number in range(1, 15):
        ProductFactory(name=f"Box {number:02d}", category=category)


def test_catalog_shows_twelve_products_per_page(client, fourteen_products):
    first = client.get(LIST_URL)
    second = client.get(LIST_URL, {"page": "2"})

    assert shown(first) == [f"Box {number:02d}" for number in range(1, 13)]
    assert shown(second) == ["Box 13", "Box 14"]
    assert "Page 2 of 2" in second.content.decode()


@pytest.mark.parametrize(
    "page, number", [("abc", 1), ("", 1), ("0", 2), ("-1", 2), ("999", 2)]
)
def test_bad_page_number_falls_back_to_a_real_page(
    client, fourteen_products, page, number
):
    response = client.get(LIST_URL, {"page": page})

    assert response.status_code == 200
    assert f"Page {number} of 2" in response.content.decode()


def test_pagination_links_keep_the_filters(client, fourteen_products):
    response = client.get(LIST_URL, {"q": "box", "category": "boxes", "sort": "-name"})

    assert shown(response)[0] == "Box 14"
    [next_page] = pagination_links(response)
    assert next_page == {
        "q": ["box"],
        "category": ["boxes"],
        "sort": ["-name"],
        "page": ["2"],
    }

    second = client.get(LIST_URL, {**{k: v[0] for k, v in next_page.items()}})
    assert shown(second) == ["Box 02", "Box 01"]
    [previous_page] = pagination_links(second)
    assert previous_page["page"] == ["1"]
    assert previous_page["sort"] == ["-name"]


@pytest.mark.parametrize("count, page_size", [(10, 12), (50, 50)])
def test_query_count_does_not_grow_with_the_page(
    staff_client, settings, django_assert_max_num_queries, count, page_size
):
    settings.CATALOG_PAGE_SIZE = page_size
    for category in CategoryFactory.create_batch(5):
        ProductFactory.create_batch(count // 5, category=category)

    # Two of them are the staff's permissions (own and groups'), asked for the
    # page's controls once and cached on the user for every card; one is the
    # latest change, which the page's ETag is made from; and the categories
    # of the bulk action form.
    with django_assert_max_num_queries(9):
        response = staff_client.get(LIST_URL, {"sort": "price"})

    assert len(shown(response)) == count


# htmx ------------------------------------------------------------------------


def test_htmx_request_gets_only_the_results(client, catalog):
    response = client.get(LIST_URL, {"q": "mug"}, headers={"HX-Request": "true"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    # htmx takes a top-level <title> as the new document title.
    assert content.lstrip().startswith(
        '<title>Catalog: “mug” · Shop Manager</title>\n<section id="results"'
    )
    assert shown(response) == ["Blue Mug"]


def test_the_title_names_the_search_the_category_and_the_page(client, settings):
    settings.CATALOG_PAGE_SIZE = 1
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    ProductFactory.create_batch(3, name="Mug", category=kitchen)
    query = {"q": "mug", "category": "kitchen", "page": 2}

    page = client.get(LIST_URL, query).content.decode()
    fragment = client.get(LIST_URL, query, headers={"HX-Request": "true"})

    title = "Catalog: “mug” in Kitchen, page 2 of 3 · Shop Manager"
    assert f"<title>{title}</title>" in page
    assert fragment.content.decode().startswith(f"<title>{title}</title>")
    assert "3 products matching “mug” in Kitchen" in page
    assert ", page 2 of 3</span>" in page


def test_the_first_page_title_is_plain(client, catalog):
    content = client.get(LIST_URL).content.decode()

    assert "<title>Catalog · Shop Manager</title>" in content


def test_ordinary_request_gets_the_whole_page(client, catalog):
    content = client.get(LIST_URL).content.decode()

    assert "<html" in content
    assert 'id="results"' in content
    assert 'name="q"' in content


def test_htmx_history_restore_gets_the_whole_page(client, catalog):
    response = client.get(
        LIST_URL,
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )

    assert "<html" in response.content.decode()


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
def test_response_varies_on_the_htmx_header(client, catalog, headers):
    response = client.get(LIST_URL, headers=headers)

    assert "HX-Request" in response.headers["Vary"]
