"""Who may open and submit the staff pages, and who sees the staff controls."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import PASSWORD
from products.models import Product, ProductChange

from .factories import ProductFactory, product_form_data

pytestmark = pytest.mark.django_db

STAFF_REQUESTS = [
    ("product-create", "get"),
    ("product-create", "post"),
    ("product-update", "get"),
    ("product-update", "post"),
    ("product-delete", "get"),
    ("product-delete", "post"),
]


@pytest.fixture
def product():
    return ProductFactory(name="Blue Mug", sku="MUG-1")


def url_for(url_name, product):
    if url_name == "product-create":
        return reverse(url_name)
    return reverse(url_name, args=[product.slug])


def send(client, url_name, method, product):
    url = url_for(url_name, product)
    if method == "get":
        return client.get(url)
    if url_name == "product-create":
        data = product_form_data(name="New Kettle", sku="KETTLE-1")
    elif url_name == "product-update":
        data = product_form_data(product, name="Renamed Mug", price="1.00")
    else:
        data = {}
    return client.post(url, data)


def database_state():
    return (
        sorted(Product.objects.values_list("slug", "name", "sku", "price", "quantity")),
        ProductChange.objects.count(),
    )


@pytest.mark.parametrize("url_name, method", STAFF_REQUESTS)
@pytest.mark.parametrize("who", ["anonymous", "inactive_staff"])
def test_visitor_who_is_not_signed_in_is_sent_to_log_in_and_nothing_changes(
    request, who, url_name, method, product
):
    client = (
        Client()
        if who == "anonymous"
        else request.getfixturevalue("inactive_staff_client")
    )
    before = database_state()

    response = send(client, url_name, method, product)

    assert response.status_code == 302
    location = urlsplit(response.url)
    assert location.path == reverse("login")
    assert parse_qs(location.query)["next"] == [url_for(url_name, product)]
    assert database_state() == before


@pytest.mark.parametrize("url_name, method", STAFF_REQUESTS)
def test_signed_in_non_staff_gets_the_not_allowed_page_and_nothing_changes(
    regular_client, url_name, method, product
):
    before = database_state()

    response = send(regular_client, url_name, method, product)

    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()
    assert database_state() == before


@pytest.mark.parametrize(
    "url_name, method, status",
    [
        ("product-create", "get", 200),
        ("product-create", "post", 302),
        ("product-update", "get", 200),
        ("product-update", "post", 302),
        ("product-delete", "get", 200),
        ("product-delete", "post", 302),
    ],
)
def test_staff_may_use_every_staff_page(
    staff_client, url_name, method, status, product
):
    before = database_state()

    response = send(staff_client, url_name, method, product)

    assert response.status_code == status
    assert (database_state() != before) == (method == "post")


def test_login_page_after_redirect_brings_staff_back_to_the_page(staff_user):
    client = Client()
    response = client.get(reverse("product-create"))

    response = client.post(response.url, {"username": "staff", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("product-create")


@pytest.mark.parametrize("url_name", ["product-create", "product-update"])
def test_wrong_method_on_a_staff_page_is_refused(staff_client, url_name, product):
    response = staff_client.put(url_for(url_name, product))

    assert response.status_code == 405


def test_delete_method_does_not_delete(staff_client, product):
    response = staff_client.delete(reverse("product-delete", args=[product.slug]))

    assert response.status_code == 405
    assert Product.objects.filter(pk=product.pk).exists()


@pytest.mark.parametrize("url_name", ["product-list", "product-detail"])
def test_public_pages_are_read_only(client, url_name, product):
    url = reverse(url_name, args=[product.slug] if url_name == "product-detail" else [])

    assert client.post(url).status_code == 405
    assert client.put(url).status_code == 405


# Staff controls ----------------------------------------------------------------


def staff_links(product):
    return [
        f'href="{reverse("product-update", args=[product.slug])}"',
        f'href="{reverse("product-delete", args=[product.slug])}"',
    ]


@pytest.mark.parametrize("page", ["product-list", "product-detail"])
def test_staff_see_edit_and_delete_controls(staff_client, page, product):
    url = reverse(page, args=[product.slug] if page == "product-detail" else [])

    content = staff_client.get(url).content.decode()

    for link in staff_links(product):
        assert link in content
    assert f'href="{reverse("product-create")}"' in content


@pytest.mark.parametrize("page", ["product-list", "product-detail"])
@pytest.mark.parametrize("who", ["anonymous", "regular", "inactive_staff"])
def test_others_see_no_staff_controls(request, who, page, product):
    client = {
        "anonymous": lambda: Client(),
        "regular": lambda: request.getfixturevalue("regular_client"),
        "inactive_staff": lambda: request.getfixturevalue("inactive_staff_client"),
    }[who]()
    url = reverse(page, args=[product.slug] if page == "product-detail" else [])

    response = client.get(url)

    assert response.status_code == 200
    content = response.content.decode()
    assert product.name in content
    for link in [*staff_links(product), f'href="{reverse("product-create")}"']:
        assert link not in content
