"""/products/manage/: the staff table's filters, sorts, pages, permissions and
query count; its selection, and bulk actions that come back to it."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import (
    StaffWithoutPermissionsFactory,
    UserFactory,
    WatcherFactory,
)
from core.testing.fixtures import logged_in_client
from products.models import Product
from products.table import selection
from products.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

URL = reverse("products:manage")


def names(response):
    """The product names of the table's rows, in order."""
    html = response.content.decode()
    return re.findall(
        r'<div id="table-\d+-name" class="cell[^"]*"><a href="[^"]*">([^<]*)</a>', html
    )


def text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def shelf(db):
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    garden = CategoryFactory(name="Garden", slug="garden")
    today = timezone.localdate()
    return {
        "mug": ProductFactory(
            name="Blue Mug",
            sku="MUG-1",
            price=Decimal("12.50"),
            quantity=40,
            category=kitchen,
            cost_price=Decimal("5.00"),
        ),
        "pan": ProductFactory(
            name="Cast Pan",
            sku="PAN-1",
            price=Decimal("39.90"),
            quantity=3,
            category=kitchen,
            cost_price=Decimal("45.00"),
            expiry_date=today + timedelta(days=3),
        ),
        "rake": ProductFactory(
            name="Rake",
            sku="RAK-1",
            price=Decimal("20.00"),
            quantity=0,
            category=garden,
            description="A walnut handle",
            expiry_date=today - timedelta(days=1),
        ),
    }


# Permissions ---------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_staff_without_view_permission_get_403(db):
    client = logged_in_client(StaffWithoutPermissionsFactory())
    assert client.get(URL).status_code == 403


def test_non_staff_get_403(db):
    assert logged_in_client(UserFactory()).get(URL).status_code == 403


def test_staff_who_may_view_products_see_the_table(staff_client, shelf):
    response = staff_client.get(URL)
    assert response.status_code == 200
    assert names(response) == ["Blue Mug", "Cast Pan", "Rake"]
    page = text(response)
    assert "MUG-1" in page and "Kitchen" in page
    assert "$5.00" in page  # cost
    assert "$7.50 (60.0%)" in page  # margin
    assert "price below cost" in page and "expired" in page


# Filters and sorts -----------------------------------------------------------


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"q": "walnut"}, ["Rake"]),
        ({"q": "pan-1"}, ["Cast Pan"]),
        ({"category": "kitchen"}, ["Blue Mug", "Cast Pan"]),
        ({"stock": "out"}, ["Rake"]),
        ({"stock": "low"}, ["Cast Pan"]),
        ({"stock": "in"}, ["Blue Mug"]),
        ({"alert": "expiring"}, ["Cast Pan"]),
        ({"alert": "expired"}, ["Rake"]),
        ({"alert": "below_cost"}, ["Cast Pan"]),
        ({"category": "kitchen", "stock": "in"}, ["Blue Mug"]),
    ],
)
def test_filters(staff_client, shelf, query, expected):
    assert names(staff_client.get(URL, query)) == expected


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("name", ["Blue Mug", "Cast Pan", "Rake"]),
        ("-name", ["Rake", "Cast Pan", "Blue Mug"]),
        ("sku", ["Blue Mug", "Cast Pan", "Rake"]),
        ("-sku", ["Rake", "Cast Pan", "Blue Mug"]),
        ("price", ["Blue Mug", "Rake", "Cast Pan"]),
        ("-price", ["Cast Pan", "Rake", "Blue Mug"]),
        ("quantity", ["Rake", "Cast Pan", "Blue Mug"]),
        ("-quantity", ["Blue Mug", "Cast Pan", "Rake"]),
        # No cost, no margin: last either way.
        ("margin", ["Cast Pan", "Blue Mug", "Rake"]),
        ("-margin", ["Blue Mug", "Cast Pan", "Rake"]),
        ("expiry", ["Rake", "Cast Pan", "Blue Mug"]),
        ("-expiry", ["Cast Pan", "Rake", "Blue Mug"]),
    ],
)
def test_sorts(staff_client, shelf, sort, expected):
    assert names(staff_client.get(URL, {"sort": sort})) == expected


def test_sorting_by_last_change_puts_the_latest_first(staff_client, shelf):
    shelf["mug"].quantity = 41
    shelf["mug"].save()
    assert names(staff_client.get(URL, {"sort": "-updated"}))[0] == "Blue Mug"
    assert names(staff_client.get(URL, {"sort": "updated"}))[-1] == "Blue Mug"


def test_a_column_header_sorts_and_then_reverses(staff_client, shelf):
    html = staff_client.get(URL).content.decode()
    assert 'href="?sort=price"' in html
    html = staff_client.get(URL, {"sort": "price"}).content.decode()
    assert 'href="?sort=-price"' in html
    assert 'aria-sort="ascending"' in html


@pytest.mark.parametrize(
    "query",
    [
        {"sort": "nonsense"},
        {"stock": "plenty"},
        {"alert": "x"},
        {"per_page": "7"},
        {"page": "²"},
        {"page": "-3"},
        {"category": "nowhere"},
        {"q": "x" * 500},
        {"per_page": "1e9"},
    ],
)
def test_bad_values_fall_back_never_fail(staff_client, shelf, query):
    response = staff_client.get(URL, query)
    assert response.status_code == 200


# Pages -----------------------------------------------------------------------


def test_numbered_pages_with_first_last_and_a_window(staff_client):
    ProductFactory.create_batch(26 * 10, category=None)
    response = staff_client.get(URL, {"per_page": "25", "page": "6"})
    html = response.content.decode()
    nav = re.search(r'<nav class="pagination".*?</nav>', html, re.S)[0]
    shown = re.findall(r"page=(\d+)\"\s+hx-get=\"[^\"]*\"><span", nav)
    assert shown == ["1", "4", "5", "7", "8", "11"]
    assert '<span aria-current="page">6</span>' in nav
    assert nav.count("…") == 2
    assert len(names(response)) == 25


def test_the_rows_per_page_select_shows_the_default_when_unset(staff_client):
    html = staff_client.get(URL).content.decode()
    assert '<option value="50" selected>50</option>' in html


def test_per_page_sizes(staff_client):
    ProductFactory.create_batch(120, category=None)
    assert len(names(staff_client.get(URL))) == 50
    assert len(names(staff_client.get(URL, {"per_page": "100"}))) == 100
    assert len(names(staff_client.get(URL, {"per_page": "200"}))) == 120


def test_the_page_links_keep_the_view(staff_client):
    ProductFactory.create_batch(30, category=None)
    html = staff_client.get(URL, {"per_page": "25", "sort": "-price"}).content
    assert b"?sort=-price&amp;per_page=25&amp;page=2" in html


def test_htmx_gets_only_the_table(staff_client, shelf):
    response = staff_client.get(URL, {"q": "mug"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.count("<html") == 0
    assert html.strip().startswith("<title>")
    assert names(response) == ["Blue Mug"]


def queries_for(client, **query):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL, query).status_code == 200
    return len(captured)


def test_the_number_of_queries_does_not_grow_with_the_rows(staff_client):
    for product in ProductFactory.create_batch(5):
        product.quantity += 1
        product.save()
    few = queries_for(staff_client, per_page="25")
    for product in ProductFactory.create_batch(60):
        product.quantity += 1
        product.save()
    assert queries_for(staff_client, per_page="100") == few


# Selection -------------------------------------------------------------------


def select(client, shown, ticked, headers=None, **extra):
    return client.post(
        reverse("products:selection"),
        {
            "page_product": [p.pk for p in shown],
            "product": [p.pk for p in ticked],
            **extra,
        },
        headers=headers,
    )


def test_a_selection_survives_sorting_and_paging(staff_client):
    products = ProductFactory.create_batch(30, category=None)
    first, second = products[:25], products[25:]
    select(staff_client, first, first[:2])
    select(staff_client, second, second[:1])
    # Sorted otherwise, on one page of 50: the three are still ticked.
    response = staff_client.get(URL, {"sort": "-name"})
    assert "3 selected" in text(response)
    html = response.content.decode()
    assert html.count('form="table-selection-form" id="table-') == 30
    assert len(re.findall(r'-select" checked', html)) == 3
    for product in [*first[:2], *second[:1]]:
        assert re.search(
            rf'value="{product.pk}" form="table-selection-form" '
            rf'id="table-{product.pk}-select" checked',
            html,
        )
    # Unticking on one page keeps the other page's ticks.
    select(staff_client, first, [])
    assert selection.selected(staff_client.session) == [second[0].pk]


def test_selection_answers_htmx_with_the_count_and_goes_back_without(staff_client):
    products = ProductFactory.create_batch(3, category=None)
    response = select(staff_client, products, products, headers={"HX-Request": "true"})
    assert "3 selected" in text(response)
    back = f"{URL}?sort=-price&page=1"
    response = select(staff_client, products, [], next=back)
    assert response["Location"] == back
    response = select(staff_client, products, [], next="https://evil.example/")
    assert response["Location"] == URL


def test_clear(staff_client):
    products = ProductFactory.create_batch(3, category=None)
    select(staff_client, products, products)
    staff_client.post(reverse("products:selection"), {"clear": "1"})
    assert selection.selected(staff_client.session) == []


def test_selecting_needs_login(client):
    response = client.post(reverse("products:selection"), {"clear": "1"})
    assert response.status_code == 302


# Bulk actions from the table -------------------------------------------------


def test_a_bulk_action_on_the_selection_comes_back_to_the_same_view(staff_client):
    products = ProductFactory.create_batch(30, quantity=1, category=None)
    chosen = [products[0], products[27]]
    select(staff_client, products[:25], [products[0]])
    select(staff_client, products[25:], [products[27]])
    view = f"{URL}?sort=-quantity&per_page=25&page=2"
    response = staff_client.post(
        reverse("product-bulk"),
        {
            "scope": "table_selection",
            "next": view,
            "bulk-action": "set_quantity",
            "bulk-quantity": "9",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Apply to 2 products" in html
    assert f'href="{view.replace("&", "&amp;")}">Cancel' in html
    form = re.search(
        r'<form method="post" class="form" action="/products/bulk/".*?</form>',
        html,
        re.S,
    )[0]
    data = dict(
        re.findall(r'<input type="hidden" name="([^"]+)"(?: value="([^"]*)")?', form)
    )
    data = {key: value.replace("&amp;", "&") for key, value in data.items()}
    response = staff_client.post(reverse("product-bulk"), data)
    assert response.status_code == 302
    assert response["Location"] == view
    assert sorted(
        Product.objects.filter(quantity=9).values_list("pk", flat=True)
    ) == sorted(p.pk for p in chosen)


def test_feed_watchers_without_change_permission_see_no_selection(db, shelf):
    client = logged_in_client(WatcherFactory())
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "table-selection-form" not in html
    assert "Change many products at once" not in html
