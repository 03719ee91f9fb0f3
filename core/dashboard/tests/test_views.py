"""The live feed page and its "Load older" pages."""

import re
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from dashboard.fragments import render_event
from products.models import ProductChange
from products.tests.factories import CategoryFactory, ProductFactory

from .html import oob_targets

pytestmark = pytest.mark.django_db

URL = "/dashboard/products/"


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={URL}"


def test_non_staff_get_403(regular_client):
    response = regular_client.get(URL)
    assert response.status_code == 403
    assert b"Not allowed" in response.content


def test_staff_see_rows_counters_and_the_socket(staff_client, settings):
    settings.LOW_STOCK_THRESHOLD = 5
    ProductFactory(name="Blue Mug", price="2.50", quantity=4, category=None)
    ProductFactory(name="Red Mug", price="1.00", quantity=10)
    response = staff_client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    # Its socket resumes from the latest change the page shows.
    latest = ProductChange.objects.latest("pk").pk
    assert f'data-live-socket="/ws/products/?after={latest}"' in html
    assert 'id="counter-products">2<' in html
    assert 'id="counter-units">14<' in html
    assert 'id="counter-value">$20.00<' in html
    assert 'id="counter-low">1<' in html
    rows = html[html.index('id="feed-rows"') :]  # Blue Mug is in the alerts too
    assert rows.index("Red Mug") < rows.index("Blue Mug")  # newest first


def test_field_lines_show_money_names_and_em_dash(staff_client):
    product = ProductFactory(
        name="Blue Mug",
        price="9.99",
        supplier="Acme",
        category=CategoryFactory(name="Kitchen"),
    )
    product.price = "12.50"
    product.supplier = ""
    product.category = CategoryFactory(name="Garden")
    product.image.name = "products/blue-mug.png"
    product.save()
    html = staff_client.get(URL).content.decode()
    assert '<del class="old">$9.99</del>' in html
    assert '<ins class="new">$12.50</ins>' in html
    assert '<del class="old">Acme</del>' in html
    assert '<ins class="new">—</ins>' in html
    assert '<ins class="new">Garden</ins>' in html
    assert '<ins class="new">blue-mug.png</ins>' in html


def test_the_feed_and_the_product_page_show_the_same_figures(staff_client, client):
    product = ProductFactory(price="1234567.5", quantity=12000)
    product.price = "99999999.99"
    product.quantity = 1500
    product.save()
    page = client.get(product.get_absolute_url()).content.decode()
    feed = staff_client.get(URL).content.decode()
    for figure in ("$99,999,999.99", "1,500"):
        assert figure in page
    assert '<del class="old">$1,234,567.50</del>' in feed
    assert '<ins class="new">$99,999,999.99</ins>' in feed
    assert '<del class="old">12,000</del>' in feed
    assert '<ins class="new">1,500</ins>' in feed
    assert 'id="counter-value">$149,999,999,985.00<' in feed
    assert 'id="counter-units">1,500<' in feed


def fields_in(html, container):
    """data-field names inside the first ``<container ...>`` element of ``html``."""
    start = html.index(f"<{container}")
    end = html.index(f"</{container.split()[0]}>", start)
    return re.findall(r'data-field="(\w+)"', html[start:end])


@pytest.mark.parametrize("action", ["created", "deleted"])
def test_create_and_delete_rows_show_the_essentials_and_fold_the_rest(
    staff_client, action
):
    product = ProductFactory(name="Blue Mug", sku="MUG-1", supplier="Acme")
    if action == "deleted":
        product.delete()
    row = re.search(
        rf'<article class="change change-{action}".*?</article>',
        staff_client.get(URL).content.decode(),
        re.S,
    )[0]
    assert fields_in(row, 'ul class="change-fields change-essentials"') == [
        "name",
        "sku",
        "price",
        "quantity",
    ]
    assert fields_in(row, "details") == ["slug", "supplier", "category"]
    assert "<summary>Details" in row
    assert "Supplier:</span> <span" in row  # folded, not left out


def test_update_rows_list_every_changed_field_unfolded(staff_client):
    product = ProductFactory(supplier="Acme")
    product.supplier = "Globex"
    product.save()
    html = staff_client.get(URL).content.decode()
    row = re.search(r'<article class="change change-updated".*?</article>', html, re.S)
    assert "<details" not in row[0]
    assert '<li data-field="supplier">' in row[0]


def test_the_page_reads_categories_for_all_rows_at_once(
    staff_client, django_assert_max_num_queries
):
    for _ in range(3):
        ProductFactory(category=CategoryFactory())
    staff_client.get(URL)  # the session and permissions, once
    with CaptureQueriesContext(connection) as few:
        staff_client.get(URL)
    for _ in range(10):
        ProductFactory(category=CategoryFactory())
    with django_assert_max_num_queries(len(few)):
        html = staff_client.get(URL).content.decode()
    assert html.count("Category:") == 13


def without_times(html):
    return re.sub(r"<time .*?</time>", "", html, flags=re.S)


def test_page_older_rows_and_the_socket_render_one_partial(staff_client):
    product = ProductFactory(name="Blue Mug", category=CategoryFactory(name="Kitchen"))
    product.quantity = 12000
    product.save()
    ProductFactory(name="Newer")
    changes = list(ProductChange.objects.order_by("-pk"))
    row = re.compile(r'<article class="change[^"]*" id="change-\d+".*?</article>', re.S)

    page = row.findall(staff_client.get(URL).content.decode())
    older = staff_client.get(f"{URL}?before={changes[0].pk}", HTTP_HX_REQUEST="true")
    pushed = [render_event(change) for change in changes]

    assert [without_times(r) for r in row.findall(older.content.decode())] == [
        without_times(r) for r in page[1:]
    ]
    assert [without_times(row.findall(event)[0]) for event in pushed] == [
        without_times(r) for r in page
    ]
    assert all(oob_targets(event) == {"feed-rows": "afterbegin"} for event in pushed)
    assert "hx-swap-oob" not in "".join(page)


def test_the_change_page_shows_labels_and_names(staff_client):
    product = ProductFactory(category=CategoryFactory(name="Kitchen"), price="5")
    product.category = CategoryFactory(name="Garden")
    product.price = "1234.5"
    product.save()
    change = ProductChange.objects.latest("pk")
    html = staff_client.get(f"{URL}changes/{change.pk}/").content.decode()
    assert "<dt>Category</dt>" in html and "<dt>Price</dt>" in html
    assert '<span class="full-value">Kitchen</span>' in html
    assert '<span class="full-value">Garden</span>' in html
    assert '<span class="full-value">$1,234.50</span>' in html


def test_a_deleted_product_is_not_linked(staff_client):
    product = ProductFactory(name="Gone Mug")
    product.delete()
    html = staff_client.get(URL).content.decode()
    assert '<span class="change-product">Gone Mug</span>' in html
    assert 'href="/products/gone-mug/"' not in html


def test_rows_show_who_made_the_change(staff_client, staff_user):
    ProductFactory()
    ProductChange.objects.update(actor=staff_user, actor_name="staff")
    html = staff_client.get(URL).content.decode()
    assert '<span class="change-who">staff</span>' in html


def test_empty_feed_says_so(staff_client):
    assert b"No changes yet" in staff_client.get(URL).content


@override_settings(FEED_PAGE_SIZE=3)
def test_load_older_pages_through_the_whole_history(staff_client):
    products = [ProductFactory(name=f"P{n}") for n in range(7)]
    ids = [c.pk for c in ProductChange.objects.order_by("-pk")]
    assert len(ids) == len(products)

    first = staff_client.get(URL).content.decode()
    assert f'?before={ids[2]}"' in first

    older = staff_client.get(f"{URL}?before={ids[2]}", HTTP_HX_REQUEST="true")
    html = older.content.decode()
    assert "<html" not in html
    assert '<div id="feed-rows" hx-swap-oob="beforeend">' in html
    assert [f'id="change-{i}"' in html for i in ids[3:6]] == [True] * 3
    assert f'?before={ids[5]}"' in html

    last = staff_client.get(f"{URL}?before={ids[5]}", HTTP_HX_REQUEST="true")
    assert f'id="change-{ids[6]}"' in last.content.decode()
    assert b"That is the whole history" in last.content


def test_older_rows_work_as_a_full_page_without_javascript(staff_client):
    ProductFactory(name="First")
    ProductFactory(name="Second")
    newest = ProductChange.objects.latest("pk")
    html = staff_client.get(f"{URL}?before={newest.pk}").content.decode()
    assert "<html" in html and "First" in html and "Second" not in html
    assert "data-live-socket" not in html  # a history page does not go live


def test_a_bad_cursor_falls_back_to_the_latest_rows(staff_client):
    ProductFactory(name="First")
    response = staff_client.get(f"{URL}?before=abc")
    assert response.status_code == 200 and b"First" in response.content


def test_the_log_is_read_only_in_the_admin(client):
    ProductFactory()
    change = ProductChange.objects.get()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/admin/products/productchange/").status_code == 200
    page = client.get(f"/admin/products/productchange/{change.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.get("/admin/products/productchange/add/").status_code == 403


def test_without_javascript_the_page_says_it_shows_the_state_at_load(staff_client):
    html = staff_client.get(URL).content.decode()

    # "Connecting…" only once the script runs: it would never change without it.
    status = re.search(r'<p id="connection-status".*?</p>', html, re.S)[0]
    assert "Live updates need JavaScript" in status
    assert "Connecting" not in status


def test_the_page_carries_a_log_in_again_link_back_to_the_feed(staff_client):
    html = staff_client.get(URL).content.decode()

    assert (
        '<a class="status-action" href="/accounts/login/?next=/dashboard/products/"'
        " hidden>Log in again</a>"
    ) in html


def test_older_rows_name_how_far_back_they_reach_in_the_title(staff_client):
    ProductFactory(name="First")
    ProductFactory(name="Second")
    oldest, newest = ProductChange.objects.order_by("pk")
    oldest.created_at = datetime(2024, 5, 3, 14, 7, tzinfo=UTC)
    oldest.save(update_fields=["created_at"])

    older = staff_client.get(f"{URL}?before={newest.pk}", HTTP_HX_REQUEST="true")

    assert older.content.decode().startswith(
        "<title>Live feed, back to 3 May 2024, 14:07 · Shop Manager</title>"
    )


def test_the_page_reads_the_kept_counters_and_never_scans_the_catalog(staff_client):
    for quantity in (0, 3, 40):
        ProductFactory(quantity=quantity)
    staff_client.get(URL)  # the session and permissions, once
    with CaptureQueriesContext(connection) as queries:
        html = staff_client.get(URL).content.decode()

    assert 'id="counter-products">3<' in html
    catalog = [
        query["sql"]
        for query in queries.captured_queries
        if '"products_product"' in query["sql"]
    ]
    # Only bounded reads of products (the pinned alerts, the rows' products):
    # the counters come from their own small table.
    assert catalog and all(" LIMIT " in sql for sql in catalog), catalog
    assert any(
        'FROM "products_stockcount"' in q["sql"] for q in queries.captured_queries
    )
