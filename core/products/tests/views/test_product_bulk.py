"""/products/bulk/: the catalog's selection, a preview, one write, refusals."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import WatcherFactory
from core.testing.fixtures import logged_in_client
from products.models import ChangeBatch, Product
from products.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

URL = reverse("product-bulk")


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def preview(client, products=(), scope="selected", q="", **action):
    data = {f"bulk-{key}": value for key, value in action.items()}
    data.update(scope=scope, product=[p.pk for p in products], q=q)
    return client.post(URL, data)


def apply(client, response, **headers):
    """Sends the preview's confirm form as the browser would."""
    form = re.search(
        r'<form method="post" class="form" action="/products/bulk/"' r".*?</form>",
        response.content.decode(),
        re.S,
    )[0]
    data = dict(
        re.findall(r'<input type="hidden" name="([^"]+)"(?: value="([^"]*)")?', form)
    )
    return client.post(URL, data, **headers)


@pytest.fixture
def mugs():
    return [ProductFactory(name=f"Mug {n}", price=Decimal("10.00")) for n in range(3)]


def test_the_catalog_offers_the_selection_to_staff_who_may_change(
    client, staff_client, mugs
):
    page = text(staff_client.get(reverse("product-list")))
    assert page.count('name="product"') == 3
    assert 'form="bulk-form"' in page and 'value="filtered"' in page
    assert 'name="product"' not in text(client.get(reverse("product-list")))
    watcher = logged_in_client(WatcherFactory())
    assert 'name="product"' not in text(watcher.get(reverse("product-list")))


def test_preview_lists_each_change_and_applies_nothing(staff_client, mugs):
    response = preview(staff_client, mugs[:2], action="price_percent", percent="-10")
    page = text(response)
    assert response.status_code == 200
    assert "Preview: price −10%" in page
    assert page.count('<del class="old">$10.00</del>') == 2
    assert page.count('<ins class="new">$9.00</ins>') == 2
    assert "Apply to 2 products" in page
    assert set(Product.objects.values_list("price", flat=True)) == {Decimal("10.00")}


def test_applying_writes_one_batch(staff_client, staff_user, mugs):
    response = apply(
        staff_client,
        preview(staff_client, mugs, action="price_amount", amount="-12"),
    )
    assert response.status_code == 302
    batch = ChangeBatch.objects.get()
    assert (batch.kind, batch.label, batch.actor) == (
        "bulk",
        "price −$12.00",
        staff_user,
    )
    assert batch.summary["updated"] == 3
    assert set(Product.objects.values_list("price", flat=True)) == {Decimal("0.00")}


@pytest.mark.parametrize(
    "action, values, field, expected",
    [
        ({"action": "set_quantity", "quantity": "0"}, None, "quantity", 0),
        ({"action": "price_percent", "percent": "5"}, None, "price", Decimal("10.50")),
    ],
)
def test_every_page_or_every_match(staff_client, mugs, action, values, field, expected):
    ProductFactory(name="Tea", quantity=4, price=Decimal("10.00"))
    response = preview(staff_client, scope="filtered", q="mug", **action)
    apply(staff_client, response)
    assert {
        getattr(p, field) for p in Product.objects.filter(name__startswith="Mug")
    } == {expected}
    tea = Product.objects.get(name="Tea")
    assert (tea.quantity, tea.price) == (4, Decimal("10.00"))


def test_set_category_for_the_page(staff_client, mugs):
    kitchen = CategoryFactory(name="Kitchen")
    data = {
        "scope": "page",
        "page_product": [m.pk for m in mugs],
        "bulk-action": "set_category",
        "bulk-category": kitchen.pk,
    }
    apply(staff_client, staff_client.post(URL, data))
    assert {p.category for p in Product.objects.all()} == {kitchen}


def test_a_product_changed_since_the_preview_refuses_all(staff_client, mugs):
    response = preview(staff_client, mugs, action="set_quantity", quantity="1")
    mugs[1].price = Decimal("11.00")
    mugs[1].save()
    refused = apply(staff_client, response)
    assert refused.status_code == 409
    assert "1 product changed since the preview" in text(refused)
    assert set(Product.objects.values_list("quantity", flat=True)) == {10}


def test_a_product_deleted_since_the_preview_refuses_all(staff_client, mugs):
    response = preview(staff_client, mugs, action="set_quantity", quantity="1")
    pk = mugs[2].pk
    mugs[2].delete()
    refused = apply(staff_client, response)
    assert refused.status_code == 409
    assert f"“Product #{pk}” was deleted." in text(refused)
    assert not ChangeBatch.objects.exists()


def test_incomplete_requests_say_what_is_missing(staff_client, mugs):
    response = preview(staff_client, [], action="set_quantity", quantity="1")
    assert response.status_code == 400
    assert "No products were chosen." in text(response)
    response = preview(staff_client, mugs, action="price_percent")
    assert response.status_code == 400
    assert "Needed for this action." in text(response)
    assert staff_client.get(URL).status_code == 302  # chosen in the catalog


def test_with_htmx_the_result_is_swapped_in(staff_client, mugs):
    response = preview(staff_client, mugs, action="set_quantity", quantity="2")
    applied = apply(staff_client, response, HTTP_HX_REQUEST="true")
    assert applied["HX-Redirect"] == reverse("product-list")
    mugs[0].refresh_from_db()
    stale = apply(staff_client, response, HTTP_HX_REQUEST="true")
    assert stale.status_code == 200  # htmx swaps 2xx only
    assert text(stale).startswith('<div id="bulk"')


def test_bulk_needs_change_product(client, mugs):
    assert client.post(URL, {"scope": "filtered"}).status_code == 302
    watcher = logged_in_client(WatcherFactory())
    response = preview(watcher, mugs, action="set_quantity", quantity="1")
    assert response.status_code == 403


@pytest.mark.parametrize(
    "data",
    [
        {"scope": "selected", "product": ["²", "¹²"]},
        {"scope": "page", "page_product": ["²"]},
        {"versions": "²:1,1:²"},
    ],
)
def test_digits_that_are_not_numbers_choose_nothing(staff_client, mugs, data):
    # str.isdigit() accepts "²", int() does not: a 500 it was.
    action = {"bulk-action": "set_quantity", "bulk-quantity": "1"}

    response = staff_client.post(URL, {**action, **data})

    assert response.status_code == 400
    assert not ChangeBatch.objects.exists()


def test_a_selection_past_the_bound_is_refused(staff_client, mugs, settings):
    settings.BULK_MAX_PRODUCTS = 2

    response = preview(
        staff_client, scope="filtered", action="set_quantity", quantity=1
    )

    assert response.status_code == 400
    assert "Choose at most 2 products at a time." in text(response)


def test_a_confirmation_carrying_more_pairs_than_the_bound_is_refused(
    staff_client, mugs
):
    # 100,000 made-up pairs rendered a 10.5 MB page, one line per "deleted" one.
    versions = ",".join(f"{pk}:1" for pk in range(10**6, 10**6 + 1_001))
    data = {"bulk-action": "set_quantity", "bulk-quantity": "1", "versions": versions}

    response = staff_client.post(URL, data)

    assert response.status_code == 400
    assert "Choose at most 1,000 products at a time." in text(response)
    assert "was deleted" not in text(response)
