"""Conditional GETs of the public catalog pages: ETag, Last-Modified and 304."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from accounts.tests.factories import StaffFactory
from products.editing import writes
from products.models import Category, ProductChange
from products.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("product-list")


@pytest.fixture
def mug():
    return ProductFactory(name="Blue Mug", price=Decimal("12.50"), quantity=7)


def detail_url(product):
    return reverse("product-detail", args=[product.slug])


def revalidate(client, url, first, **kwargs):
    """The same request again, carrying the validators of ``first``."""
    return client.get(url, headers={"If-None-Match": first["ETag"]}, **kwargs)


def change_price(product, price):
    product.refresh_from_db()
    writes.product_update(
        product=product, version=product.version, data={"price": Decimal(price)}
    )


@pytest.mark.parametrize("page", ["catalog", "detail"])
def test_a_page_revalidated_unchanged_answers_304_without_a_body(client, mug, page):
    url = LIST_URL if page == "catalog" else detail_url(mug)
    first = client.get(url)

    again = revalidate(client, url, first)

    assert first.status_code == 200
    assert first["ETag"].startswith('W/"')
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


@pytest.mark.parametrize("page", ["catalog", "detail"])
def test_a_price_change_makes_the_page_new_again(client, mug, page):
    url = LIST_URL if page == "catalog" else detail_url(mug)
    first = client.get(url)

    change_price(mug, "17.25")
    again = revalidate(client, url, first)

    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    assert "$17.25" in again.content.decode()


def test_a_change_to_another_product_renews_the_catalog_but_not_this_page(client, mug):
    other = ProductFactory(name="Teapot")
    catalog, page = client.get(LIST_URL), client.get(detail_url(mug))

    change_price(other, "3.00")

    assert revalidate(client, LIST_URL, catalog).status_code == 200
    assert revalidate(client, detail_url(mug), page).status_code == 304


def test_a_deleted_product_answers_404_to_a_revalidation(client, mug):
    url = detail_url(mug)
    first = client.get(url)

    mug.refresh_from_db()
    writes.product_delete(product=mug, version=mug.version)

    assert revalidate(client, url, first).status_code == 404


def test_each_page_filter_and_sort_has_its_own_etag(client):
    ProductFactory.create_batch(15)
    queries = [{}, {"page": "2"}, {"q": "product"}, {"sort": "price"}]

    etags = {client.get(LIST_URL, query)["ETag"] for query in queries}

    assert len(etags) == len(queries)


def test_another_filter_does_not_match_the_etag_of_the_first(client, mug):
    first = client.get(LIST_URL, {"q": "mug"})

    other = client.get(
        LIST_URL, {"q": "teapot"}, headers={"If-None-Match": first["ETag"]}
    )

    assert other.status_code == 200


def test_htmx_results_and_the_whole_page_have_different_etags(client, mug):
    page = client.get(LIST_URL)

    results = client.get(
        LIST_URL, headers={"HX-Request": "true", "If-None-Match": page["ETag"]}
    )

    assert results.status_code == 200
    assert "<html" not in results.content.decode()
    assert results["ETag"] != page["ETag"]


def test_staff_and_anonymous_never_share_a_page(client, staff_client, mug):
    public = client.get(LIST_URL)

    staff = staff_client.get(LIST_URL, headers={"If-None-Match": public["ETag"]})

    # The staff page (with its Edit buttons) is not the public one...
    assert staff.status_code == 200
    assert "Edit" in staff.content.decode()
    assert staff["ETag"] != public["ETag"]
    # ... and a public page revalidated with the staff ETag is not confirmed.
    assert (
        client.get(LIST_URL, headers={"If-None-Match": staff["ETag"]}).status_code
        == 200
    )


def test_only_public_pages_may_be_kept_by_shared_caches(client, staff_client, mug):
    public = client.get(LIST_URL)
    staff = staff_client.get(LIST_URL)

    assert "private" not in public["Cache-Control"]
    assert "no-cache" in public["Cache-Control"]
    assert "private" in staff["Cache-Control"]
    for response in (public, staff):
        vary = {header.strip().lower() for header in response["Vary"].split(",")}
        assert {"cookie", "hx-request"} <= vary


def test_a_304_carries_the_same_caching_headers_as_the_page(staff_client, mug):
    first = staff_client.get(LIST_URL)

    again = revalidate(staff_client, LIST_URL, first)

    assert again.status_code == 304
    assert again["Cache-Control"] == first["Cache-Control"]
    assert "HX-Request" in again["Vary"]


def test_two_staff_members_do_not_share_a_page(staff_client, mug):
    first = staff_client.get(LIST_URL)
    other = Client()
    other.force_login(StaffFactory())

    assert revalidate(other, LIST_URL, first).status_code == 200


def test_a_new_login_of_the_same_user_gets_the_page_anew(staff_user, mug):
    client = Client()
    client.force_login(staff_user)
    first = client.get(LIST_URL)

    client.logout()
    client.force_login(staff_user)

    # The old copy's CSRF token belongs to the old session: the logout button
    # in it would no longer work.
    assert revalidate(client, LIST_URL, first).status_code == 200


def test_a_lost_permission_changes_the_staff_page(staff_user, mug):
    client = Client()
    client.force_login(staff_user)
    first = client.get(LIST_URL)

    staff_user.groups.clear()

    assert revalidate(client, LIST_URL, first).status_code == 200


def test_head_answers_like_get(client, mug):
    first = client.head(LIST_URL)

    again = client.head(LIST_URL, headers={"If-None-Match": first["ETag"]})

    assert first.status_code == 200
    assert first["ETag"] == client.get(LIST_URL)["ETag"]
    assert again.status_code == 304


def test_if_modified_since_answers_304_until_the_next_change(client, mug):
    # Last changed an hour ago: Last-Modified counts whole seconds.
    ProductChange.objects.filter(product=mug).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    first = client.get(detail_url(mug))

    same = client.get(
        detail_url(mug), headers={"If-Modified-Since": first["Last-Modified"]}
    )
    assert same.status_code == 304

    change_price(mug, "20.00")
    later = client.get(
        detail_url(mug), headers={"If-Modified-Since": first["Last-Modified"]}
    )
    assert later.status_code == 200


def test_signed_in_pages_are_judged_by_etag_only(client, staff_client, mug):
    public = client.get(LIST_URL)

    staff = staff_client.get(
        LIST_URL, headers={"If-Modified-Since": public["Last-Modified"]}
    )

    assert staff.status_code == 200
    assert not staff.has_header("Last-Modified")


def test_last_modified_is_the_time_of_the_latest_change(client, mug):
    latest = ProductChange.objects.filter(product=mug).latest("pk")

    response = client.get(detail_url(mug))

    assert response["Last-Modified"] == http_date(latest.created_at.timestamp())


def test_a_renamed_category_renews_the_product_page(client, mug):
    first = client.get(detail_url(mug))

    Category.objects.filter(pk=mug.category_id).update(name="Crockery")
    again = revalidate(client, detail_url(mug), first)

    assert again.status_code == 200
    assert "Crockery" in again.content.decode()


def test_a_page_with_a_message_is_not_confirmed_later(staff_client, mug):
    staff_client.post(
        reverse("product-delete", args=[ProductFactory(name="Old").slug]),
        {"version": 1},
    )

    with_message = staff_client.get(LIST_URL)

    assert "Deleted" in with_message.content.decode()
    assert not with_message.has_header("ETag")
    assert staff_client.get(LIST_URL).has_header("ETag")


def test_a_matching_revalidation_costs_one_query(
    client, mug, django_assert_num_queries
):
    CategoryFactory.create_batch(3)
    first = client.get(LIST_URL)

    with django_assert_num_queries(1):
        again = revalidate(client, LIST_URL, first)

    assert again.status_code == 304


def test_the_product_page_reads_the_product_once(
    client, mug, django_assert_num_queries
):
    with django_assert_num_queries(1):
        response = client.get(detail_url(mug))

    assert response.status_code == 200


def change(product, **values):
    product.refresh_from_db()
    writes.product_update(product=product, version=product.version, data=values)


PRIVATE_CHANGES = {
    "cost_price": Decimal("4.00"),
    "expiry_date": timezone.localdate() + timedelta(days=300),
    # 7 in stock stays "In stock" under a threshold of 3.
    "low_stock_threshold": 3,
}


@pytest.mark.parametrize("page", ["catalog", "detail"])
@pytest.mark.parametrize("field", PRIVATE_CHANGES)
def test_a_private_change_leaves_the_public_validators_alone(client, mug, page, field):
    # Visitors' pages are the same; their ETag must not tell that staff changed
    # something (it did: a new version, a new change row, a new time).
    url = LIST_URL if page == "catalog" else detail_url(mug)
    ProductChange.objects.filter(product=mug).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    first = client.get(url)

    change(mug, **{field: PRIVATE_CHANGES[field]})
    again = client.get(url)

    assert again["ETag"] == first["ETag"]
    assert again["Last-Modified"] == first["Last-Modified"]
    assert revalidate(client, url, first).status_code == 304


@pytest.mark.parametrize("page", ["catalog", "detail"])
def test_a_threshold_that_moves_the_badge_renews_the_public_page(client, mug, page):
    url = LIST_URL if page == "catalog" else detail_url(mug)
    first = client.get(url)

    change(mug, low_stock_threshold=10)  # 7 in stock: now "Low stock"
    again = revalidate(client, url, first)

    assert again.status_code == 200
    assert "Low stock: 7" in again.content.decode()


@pytest.mark.parametrize("page", ["catalog", "detail"])
def test_staff_pages_still_key_on_private_changes(staff_client, mug, page):
    url = LIST_URL if page == "catalog" else detail_url(mug)
    first = staff_client.get(url)

    change(mug, cost_price=Decimal("4.00"))

    assert revalidate(staff_client, url, first).status_code == 200


def test_a_catalog_with_no_recorded_change_is_validated_too(client, mug):
    ProductChange.objects.all().delete()  # pruned, or made outside the log
    first = client.get(LIST_URL)

    again = revalidate(client, LIST_URL, first)

    assert (first.status_code, again.status_code) == (200, 304)


def test_a_visitors_catalog_revalidation_reads_the_change_log_alone(client, mug):
    """One query on the change log, however many products: the 304 must not
    read the catalog (counting low-stock products scanned a million of them)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    change_price(mug, Decimal("3.00"))
    first = client.get(reverse("product-list"))
    with CaptureQueriesContext(connection) as queries:
        answer = revalidate(client, reverse("product-list"), first)

    assert answer.status_code == 304
    assert [
        query["sql"] for query in queries if 'products_product"' in query["sql"]
    ] == []


def test_the_shops_threshold_setting_moves_the_catalog_badges(client, settings):
    """The catalog's validators are one query compiled once per process; the
    shop's threshold is in it, so a changed setting must not reuse the old one."""
    ProductFactory(quantity=4)
    settings.LOW_STOCK_THRESHOLD = 5
    first = client.get(LIST_URL)

    settings.LOW_STOCK_THRESHOLD = 3  # the product no longer wears the badge

    assert client.get(LIST_URL)["ETag"] != first["ETag"]
