import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from .factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("login")
LOGOUT_URL = reverse("logout")
CATALOG_URL = reverse("product-list")


def test_login_page_shows_the_form(client):
    response = client.get(LOGIN_URL, {"next": "/products/create/"})

    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="username"' in content
    assert 'name="password"' in content
    assert 'name="next" value="/products/create/"' in content


def test_logging_in_goes_to_the_catalog(client, staff_user):
    response = client.post(LOGIN_URL, {"username": "staff", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == CATALOG_URL
    assert client.session[SESSION_KEY] == str(staff_user.pk)


def test_logging_in_honours_a_next_page_on_this_site(client, staff_user):
    response = client.post(
        LOGIN_URL,
        {"username": "staff", "password": PASSWORD, "next": "/products/?q=mug"},
    )

    assert response.url == "/products/?q=mug"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "https:evil.example"]
)
def test_logging_in_never_sends_to_another_site(client, staff_user, next_url):
    response = client.post(
        LOGIN_URL, {"username": "staff", "password": PASSWORD, "next": next_url}
    )

    assert response.status_code == 302
    assert response.url == CATALOG_URL


def test_wrong_password_is_refused(client, staff_user):
    response = client.post(LOGIN_URL, {"username": "staff", "password": "wrong"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_inactive_user_cannot_log_in(client, inactive_staff_user):
    response = client.post(
        LOGIN_URL, {"username": inactive_staff_user.username, "password": PASSWORD}
    )

    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_signed_in_user_opening_login_goes_on(staff_client):
    response = staff_client.get(LOGIN_URL)

    assert response.status_code == 302
    assert response.url == CATALOG_URL


def test_logout_by_get_is_refused_and_keeps_the_session(staff_client):
    response = staff_client.get(LOGOUT_URL)

    assert response.status_code == 405
    assert SESSION_KEY in staff_client.session


def test_logout_by_post_logs_out(staff_client):
    response = staff_client.post(LOGOUT_URL)

    assert response.status_code == 302
    assert response.url == CATALOG_URL
    assert SESSION_KEY not in staff_client.session
    create = staff_client.get(reverse("product-create"))
    assert create.status_code == 302
    assert create.url.startswith(LOGIN_URL)


def test_pages_offer_log_in_or_log_out(client, regular_client):
    anonymous = client.get(CATALOG_URL).content.decode()
    signed_in = regular_client.get(CATALOG_URL).content.decode()

    assert f'href="{LOGIN_URL}?next=/products/"' in anonymous
    assert f'action="{LOGOUT_URL}"' not in anonymous
    assert f'action="{LOGOUT_URL}"' in signed_in
    assert "Log out shopper" in signed_in
