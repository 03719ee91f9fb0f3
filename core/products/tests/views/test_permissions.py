"""Who may open and submit the staff pages, and who sees the staff controls:
Django's model permissions, asked as the admin asks them (active staff holding
the permission; superusers hold all)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from accounts.groups import permissions
from accounts.roles import ADD_PRODUCT, CHANGE_PRODUCT, DELETE_PRODUCT, WATCH_FEED
from accounts.tests.factories import (
    PASSWORD,
    StaffFactory,
    StaffWithoutPermissionsFactory,
    SuperuserFactory,
    UserFactory,
    WatcherFactory,
)
from products.models import Product, ProductChange
from products.tests.factories import ProductFactory, product_form_data

pytestmark = pytest.mark.django_db

# (url name, method): the permission it needs.
ACTIONS = {
    ("product-create", "get"): ADD_PRODUCT,
    ("product-create", "post"): ADD_PRODUCT,
    ("product-update", "get"): CHANGE_PRODUCT,
    ("product-update", "post"): CHANGE_PRODUCT,
    ("product-delete", "get"): DELETE_PRODUCT,
    ("product-delete", "post"): DELETE_PRODUCT,
    ("dashboard-products", "get"): WATCH_FEED,
    ("dashboard-older", "get"): WATCH_FEED,  # "Load older"
    ("dashboard-change", "get"): WATCH_FEED,
}
STAFF_REQUESTS = list(ACTIONS)

# What each role may do; the rest answers 403 (anonymous visitors: log in).
ROLES = {
    "shopper": lambda: UserFactory(username="shopper"),
    "staff_without_permissions": lambda: StaffWithoutPermissionsFactory(),
    "watcher": lambda: WatcherFactory(),
    "editor": lambda: StaffFactory(),
    "superuser": lambda: SuperuserFactory(),
    # Permissions without is_staff: the admin refuses them, so do we.
    "non_staff_with_every_permission": lambda: UserFactory(
        user_permissions=permissions(set(ACTIONS.values()))
    ),
}
MAY = {
    "shopper": set(),
    "staff_without_permissions": set(),
    "watcher": {WATCH_FEED},
    "editor": {ADD_PRODUCT, CHANGE_PRODUCT, DELETE_PRODUCT, WATCH_FEED},
    "superuser": {ADD_PRODUCT, CHANGE_PRODUCT, DELETE_PRODUCT, WATCH_FEED},
    "non_staff_with_every_permission": set(),
}
# What a permitted request answers.
ALLOWED_STATUS = {"get": 200, "post": 302}


@pytest.fixture
def product():
    return ProductFactory(name="Blue Mug", sku="MUG-1")


def url_for(url_name, product):
    if url_name in ("product-create", "dashboard-products"):
        return reverse(url_name)
    if url_name == "dashboard-older":
        return reverse("dashboard-products") + f"?before={change_of(product).pk + 1}"
    if url_name == "dashboard-change":
        return reverse(url_name, args=[change_of(product).pk])
    return reverse(url_name, args=[product.slug])


def change_of(product):
    return ProductChange.objects.filter(product=product).latest("pk")


def send(client, url_name, method, product):
    url = url_for(url_name, product)
    if method == "get":
        htmx = {"HTTP_HX_REQUEST": "true"} if url_name == "dashboard-older" else {}
        return client.get(url, **htmx)
    if url_name == "product-create":
        data = product_form_data(name="New Kettle", sku="KETTLE-1")
    elif url_name == "product-update":
        data = product_form_data(product, name="Renamed Mug", price="1.00")
    elif url_name == "product-delete":
        data = {"version": product.version}
    else:
        data = {}
    return client.post(url, data)


def database_state():
    return (
        sorted(Product.objects.values_list("slug", "name", "sku", "price", "quantity")),
        ProductChange.objects.count(),
    )


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("url_name, method", STAFF_REQUESTS)
@pytest.mark.parametrize("role", list(ROLES))
def test_every_action_for_every_role(role, url_name, method, product):
    client = client_for(ROLES[role]())
    before = database_state()

    response = send(client, url_name, method, product)

    if ACTIONS[url_name, method] in MAY[role]:
        assert response.status_code == ALLOWED_STATUS[method]
        assert (database_state() != before) == (method == "post")
    else:
        assert response.status_code == 403
        assert "Not allowed" in response.content.decode()
        assert database_state() == before


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


@pytest.mark.parametrize(
    "permission", [ADD_PRODUCT, CHANGE_PRODUCT, DELETE_PRODUCT, WATCH_FEED]
)
def test_each_permission_opens_its_own_pages_only(permission, product):
    """Held directly rather than through a group: Django counts both."""
    client = client_for(
        StaffWithoutPermissionsFactory(user_permissions=permissions([permission]))
    )

    for (url_name, method), needed in ACTIONS.items():
        if method == "get":
            status = send(client, url_name, method, product).status_code
            assert status == (200 if needed == permission else 403), url_name


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
# Shown to whoever may use them: the same permission as the page they open.


def controls(product):
    """{permission: the link only its holders see}."""
    return {
        ADD_PRODUCT: f'href="{reverse("product-create")}"',
        CHANGE_PRODUCT: f'href="{reverse("product-update", args=[product.slug])}"',
        DELETE_PRODUCT: f'href="{reverse("product-delete", args=[product.slug])}"',
        WATCH_FEED: f'href="{reverse("dashboard-products")}"',
    }


@pytest.mark.parametrize("page", ["product-list", "product-detail"])
@pytest.mark.parametrize("role", list(ROLES))
def test_controls_show_only_to_those_who_may_use_them(role, page, product):
    url = reverse(page, args=[product.slug] if page == "product-detail" else [])

    content = client_for(ROLES[role]()).get(url).content.decode()

    assert product.name in content
    for permission, link in controls(product).items():
        assert (link in content) == (permission in MAY[role]), permission


@pytest.mark.parametrize("page", ["product-list", "product-detail"])
@pytest.mark.parametrize("who", ["anonymous", "inactive_staff"])
def test_visitors_see_no_staff_controls(request, who, page, product):
    client = (
        Client()
        if who == "anonymous"
        else request.getfixturevalue("inactive_staff_client")
    )
    url = reverse(page, args=[product.slug] if page == "product-detail" else [])

    response = client.get(url)

    assert response.status_code == 200
    content = response.content.decode()
    assert product.name in content
    for link in [*controls(product).values(), f'href="{reverse("admin:index")}"']:
        assert link not in content


@pytest.mark.parametrize("role", list(ROLES))
def test_the_admin_link_shows_to_whom_the_admin_lets_in(role, product):
    client = client_for(ROLES[role]())
    admin = reverse("admin:index")

    shown = f'href="{admin}"' in client.get(reverse("product-list")).content.decode()

    assert shown == (client.get(admin).status_code == 200)
    assert shown == (role not in ("shopper", "non_staff_with_every_permission"))


def test_the_refusal_says_why_to_staff_and_to_others(product):
    # A staff member without the permission was told "Staff accounts manage
    # products.", which they are.
    watcher = client_for(WatcherFactory())
    shopper = client_for(UserFactory())
    url = reverse("product-create")

    to_staff = watcher.get(url).content.decode()
    to_shopper = shopper.get(url).content.decode()

    assert "Staff accounts manage products." not in to_staff
    assert "Your staff account does not have the permission this page needs" in to_staff
    assert "Only staff accounts can open this page." in to_shopper
