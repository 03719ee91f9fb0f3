"""The staff table's rows as one partial: every category listed once per page
(each row's select is filled from it by table.js), a row whose category is
being chosen without JavaScript, names escaped wherever a row is rendered."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from products.editing import writes
from products.table.rows import SlugUrl
from products.table.stream import render_row_change
from products.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

URL = reverse("products:manage")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def categories(db):
    return [CategoryFactory(name=f"Aisle {n}", slug=f"aisle-{n}") for n in range(5)]


@pytest.fixture
def products(categories):
    return [
        ProductFactory(name=f"Jar {n}", sku=f"JAR-{n}", category=categories[0])
        for n in range(4)
    ]


def options_of(html, category):
    return html.count(f'<option value="{category.pk}"')


def row_select(html, product):
    return re.search(
        rf'<select name="value" id="table-{product.pk}-category-input".*?</select>',
        html,
        re.S,
    )[0]


def test_each_category_is_listed_once_a_page_not_once_a_row(
    staff_client, categories, products
):
    html = staff_client.get(URL).content.decode()
    # The page's list (a <template>) and the table's filter.
    assert options_of(html, categories[4]) == 2
    template = re.search(
        r'<template id="table-category-choices">(.*?)</template>', html, re.S
    )[1]
    assert template.startswith('<option value="">No category</option>')
    assert [name for name in re.findall(r">([^<]+)</option>", template)] == [
        "No category",
        *(category.name for category in categories),
    ]
    # Each row's select holds its saved category and none, and names the list.
    select = row_select(html, products[0])
    assert 'data-choices="table-category-choices"' in select
    assert f'data-saved="{categories[0].pk}"' in select
    assert re.findall(r"<option[^>]*>([^<]+)</option>", select) == [
        "No category",
        "Aisle 0",
    ]
    assert f'<option value="{categories[0].pk}" selected>' in select


def test_without_javascript_the_chosen_row_lists_every_category(
    staff_client, categories, products
):
    html = staff_client.get(URL, {"sort": "-name"}).content.decode()
    link = f'href="?sort=-name&amp;page=1&amp;category_of={products[1].pk}#table-'
    assert link in html

    chosen = products[1]
    html = staff_client.get(
        URL, {"sort": "-name", "category_of": chosen.pk}
    ).content.decode()
    select = row_select(html, chosen)
    assert "data-choices" not in select
    assert re.findall(r"<option[^>]*>([^<]+)</option>", select) == [
        "No category",
        *(category.name for category in categories),
    ]
    assert f'<option value="{categories[0].pk}" selected>' in select
    assert "data-choices" in row_select(html, products[0])
    # The view's own links (sorts, the selection's way back) leave it out.
    assert "category_of" not in re.search(r'name="next" value="([^"]*)"', html)[1]
    assert (
        "category_of"
        not in re.search(r'<th scope="col"[^>]*><a href="([^"]*)"', html)[1]
    )


def test_a_save_from_the_chosen_row_goes_back_to_the_view(
    staff_client, categories, products
):
    chosen = products[1]
    came_from = f"{URL}?sort=-name&page=1&category_of={chosen.pk}"
    response = staff_client.post(
        reverse("products:inline", args=[chosen.slug]),
        {"field": "category", "value": categories[3].pk, "version": chosen.version},
        headers={"Referer": f"http://testserver{came_from}"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"{URL}?sort=-name&page=1")
    chosen.refresh_from_db()
    assert chosen.category == categories[3]


def test_a_row_answered_with_htmx_is_filled_from_the_page(
    staff_client, categories, products
):
    product = products[0]
    response = staff_client.post(
        reverse("products:inline", args=[product.slug]),
        {"field": "category", "value": categories[2].pk, "version": product.version},
        headers=HTMX,
    )
    select = row_select(response.content.decode(), product)
    assert 'data-choices="table-category-choices"' in select
    assert re.findall(r"<option[^>]*>([^<]+)</option>", select) == [
        "No category",
        "Aisle 2",
    ]


def test_names_with_markup_are_escaped_in_the_page_the_answer_and_the_push(
    staff_client, categories
):
    product = ProductFactory(
        name='<img src=x onerror="alert(1)">', category=categories[0]
    )
    category = categories[1]
    category.name = "<b>Bold</b>"
    category.save()
    page = staff_client.get(URL).content.decode()
    answer = staff_client.post(
        reverse("products:inline", args=[product.slug]),
        {"field": "price", "value": "3.00", "version": product.version},
        headers=HTMX,
    ).content.decode()
    product.refresh_from_db()
    writes.product_update(
        product=product, version=product.version, data={"price": Decimal("4.00")}
    )
    pushed = render_row_change(product.changes.order_by("-pk").first())
    for html in (page, answer, pushed):
        assert "<img src=x" not in html and "<b>Bold" not in html
        # Escaped: &quot; by the template language, &#34; by Jinja2 (the row).
        assert re.search(
            r"&lt;img src=x onerror=&(quot|#34);alert\(1\)&(quot|#34);&gt;", html
        )
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page


@pytest.mark.parametrize("slug", ["blue-mug", "mug_2", "x"])
def test_row_urls_are_the_urls_reverse_makes(slug):
    for name in ("product-detail", "products:inline", "product-history"):
        assert SlugUrl(name)(slug) == reverse(name, args=[slug])
