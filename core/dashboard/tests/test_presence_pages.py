"""Which pages open a presence socket, and for whom."""

import pytest

from products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def presence_socket(html):
    """The ws-connect of the page's presence bar, or None."""
    marker = 'class="presence-bar" hx-ext="ws" ws-connect="'
    if marker not in html:
        return None
    return html.split(marker, 1)[1].split('"', 1)[0]


def test_staff_on_a_product_page_and_its_form_open_their_presence_sockets(
    staff_client,
):
    product = ProductFactory()
    page = staff_client.get(product.get_absolute_url()).content.decode()
    form = staff_client.get(f"/products/{product.slug}/edit/").content.decode()
    assert presence_socket(page) == f"/ws/products/{product.pk}/"
    assert presence_socket(form) == f"/ws/products/{product.pk}/edit/"
    # The page's script reads the server's codes from the bar.
    assert 'data-reconnect-codes="4012 4013"' in page
    assert 'data-not-allowed-codes="4403"' in page


def test_visitors_get_no_presence_socket(client):
    product = ProductFactory()
    page = client.get(product.get_absolute_url()).content.decode()
    assert presence_socket(page) is None


def test_the_feed_page_has_a_place_for_who_is_watching(staff_client):
    page = staff_client.get("/dashboard/products/").content.decode()
    assert '<div id="feed-presence" class="presence">' in page  # filled live
