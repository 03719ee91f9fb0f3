"""Which pages show who else is on them, and the one socket that carries it."""

import re
from html import unescape

import pytest

from products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

SOCKETS = re.compile(r'data-live-socket="([^"]*)"')
FALLBACK = re.compile(r'data-live-fallback="([^"]*)"')


def sockets(html):
    """The socket URLs the page names (each element that opens one)."""
    return [unescape(url) for url in SOCKETS.findall(html)]


def test_staff_hear_presence_on_the_one_socket_of_a_product_page_and_its_form(
    staff_client,
):
    product = ProductFactory()
    page = staff_client.get(product.get_absolute_url()).content.decode()
    form = staff_client.get(f"/products/{product.slug}/edit/").content.decode()
    [detail] = sockets(page)
    assert detail.startswith(f"/ws/products/{product.pk}/?p={product.pk}&after=")
    # Refused the staff part (logged out meanwhile), the page goes on public.
    assert unescape(FALLBACK.search(page)[1]).startswith(
        f"/ws/catalog/?p={product.pk}&after="
    )
    [editing] = sockets(form)
    assert editing.startswith(f"/ws/products/{product.pk}/edit/?after=")
    for html in (page, form):
        assert 'class="presence-bar"' in html
        # The page's script reads the server's codes from the socket's element.
        assert 'data-reconnect-codes="4012 4013"' in html
        assert 'data-not-allowed-codes="4403"' in html


def test_visitors_get_the_public_socket_and_no_presence(client):
    product = ProductFactory()
    page = client.get(product.get_absolute_url()).content.decode()
    [detail] = sockets(page)
    assert detail.startswith(f"/ws/catalog/?p={product.pk}&after=")
    assert 'class="presence-bar"' not in page
    assert "data-live-fallback" not in page


def test_the_feed_page_has_a_place_for_who_is_watching(staff_client):
    page = staff_client.get("/dashboard/products/").content.decode()
    assert '<div id="feed-presence" class="presence">' in page  # filled live
    [feed] = sockets(page)
    assert feed.startswith("/ws/products/?after=")
