"""A visitor's revalidation of the catalog is answered before the session,
CSRF, authentication and messages are set up, with the answer the view gives."""

from decimal import Decimal

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from products.editing import writes
from products.tests.factories import ProductFactory

LIST_URL = reverse("product-list")
CACHING_HEADERS = ("ETag", "Last-Modified", "Vary", "Cache-Control", "X-Frame-Options")


@pytest.fixture
def sessions_read(monkeypatch):
    """How many requests reached the session middleware."""
    seen = []
    original = SessionMiddleware.process_request

    def process_request(self, request):
        seen.append(request.path)
        return original(self, request)

    monkeypatch.setattr(SessionMiddleware, "process_request", process_request)
    return seen


def revalidate(client, first):
    return client.get(LIST_URL, headers={"If-None-Match": first["ETag"]})


def change(product, **values):
    product.refresh_from_db()
    writes.product_update(product=product, version=product.version, data=values)


@pytest.mark.django_db
def test_a_visitors_matching_revalidation_is_answered_before_the_session(
    client, sessions_read
):
    ProductFactory(name="Blue Mug")
    first = client.get(LIST_URL)
    sessions_read.clear()

    again = revalidate(client, first)

    assert again.status_code == 304
    assert again.content == b""
    assert sessions_read == []


@pytest.mark.django_db
def test_the_early_304_says_what_the_views_304_says(sessions_read):
    ProductFactory(name="Blue Mug")
    visitor = Client()
    first = visitor.get(LIST_URL)
    # A visitor holding a session cookie (no user, no message in it) goes
    # through the whole chain to the view's own 304.
    with_session = Client()
    with_session.cookies["sessionid"] = "no-such-session"

    early = revalidate(visitor, first)
    sessions_read.clear()
    from_view = revalidate(with_session, first)

    assert sessions_read == [LIST_URL]  # the second went down the chain
    assert early.status_code == from_view.status_code == 304
    for header in CACHING_HEADERS:
        assert early[header] == from_view[header], header
    assert "no-cache" in early["Cache-Control"]
    assert "private" not in early["Cache-Control"]


@pytest.mark.django_db
def test_a_signed_in_revalidation_goes_down_the_chain(staff_client, sessions_read):
    ProductFactory(name="Blue Mug")
    public = Client().get(LIST_URL)
    sessions_read.clear()

    staff = staff_client.get(LIST_URL, headers={"If-None-Match": public["ETag"]})

    assert staff.status_code == 200
    assert staff["ETag"] != public["ETag"]
    assert "private" in staff["Cache-Control"]
    assert sessions_read == [LIST_URL]


@pytest.mark.django_db
def test_a_revalidation_that_misses_reads_the_validators_once(client):
    ProductFactory(name="Blue Mug")
    with CaptureQueriesContext(connection) as plain:
        client.get(LIST_URL)

    with CaptureQueriesContext(connection) as missed:
        response = client.get(LIST_URL, headers={"If-None-Match": 'W/"other"'})

    assert response.status_code == 200
    assert len(missed.captured_queries) == len(plain.captured_queries)


# Committed writes, as a server sees them.
@pytest.mark.django_db(transaction=True)
def test_a_public_change_renews_the_early_answer_and_a_private_one_does_not(client):
    mug = ProductFactory(name="Blue Mug", price=Decimal("12.50"), quantity=7)
    first = client.get(LIST_URL)
    assert revalidate(client, first).status_code == 304

    change(mug, cost_price=Decimal("4.00"))  # staff only
    assert revalidate(client, first).status_code == 304

    change(mug, price=Decimal("17.25"))
    renewed = revalidate(client, first)

    assert renewed.status_code == 200
    assert renewed["ETag"] != first["ETag"]
    assert "$17.25" in renewed.content.decode()
    assert revalidate(client, renewed).status_code == 304
