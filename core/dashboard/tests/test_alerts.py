"""Stock alerts pinned above the feed's rows: on the page, in the event of the
change that opens or resolves one, and over the socket."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from dashboard.fragments import render_event, render_snapshot
from products.editing import writes
from products.models import ProductChange
from products.tests.factories import ProductChangeFactory, ProductFactory

from .html import oob_targets

URL = "/dashboard/products/"


def days_from_today(days):
    return timezone.localdate() + timedelta(days=days)


# Each kind of alert: the product's values that open it, the change that
# resolves it, and how its row says so.
KIND_CASES = {
    "out": ({"quantity": 0}, {"quantity": 40}, "out of stock"),
    "low": ({"quantity": 3}, {"quantity": 40}, "low stock"),
    "expired": (
        {"expiry_date": -1},
        {"expiry_date": 100},
        "expired",
    ),
    "expiring": ({"expiry_date": 3}, {"expiry_date": None}, "expiring soon"),
    "below-cost": (
        {"price": Decimal("3"), "cost_price": Decimal("4")},
        {"price": Decimal("5")},
        "price below cost",
    ),
}


def values(data):
    """Expiry dates given as days from today."""
    return {
        name: days_from_today(value) if name == "expiry_date" and value else value
        for name, value in data.items()
    }


def update(product, **data):
    product.refresh_from_db()
    return writes.product_update(product=product, version=product.version, data=data)


def latest_change():
    return ProductChange.objects.latest("pk")


def pinned_items(html):
    """[(id, text)] of the pinned alert items, in order."""
    section = re.search(r'<ul id="stock-alert-items"[^>]*>(.*?)</ul>', html, re.S)
    return [
        (dom_id, re.sub(r"<[^>]+>", "", text))
        for dom_id, text in re.findall(r'<li id="([^"]+)"[^>]*>(.*?)</li>', section[1])
    ]


# The page ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_feed_page_pins_each_kind_of_alert_linking_the_product(
    staff_client, settings
):
    settings.LOW_STOCK_THRESHOLD = 5
    settings.EXPIRY_ALERT_DAYS = 14
    today = timezone.localdate()
    empty = ProductFactory(name="Empty Jar", quantity=0)
    low = ProductFactory(name="Low Mug", quantity=3)
    own = ProductFactory(name="Busy Tea", quantity=15, low_stock_threshold=20)
    stale = ProductFactory(name="Old Milk", expiry_date=today - timedelta(days=2))
    soon = ProductFactory(name="Fresh Bread", expiry_date=today + timedelta(days=14))
    cheap = ProductFactory(
        name="Cheap Pot", price=Decimal("5.00"), cost_price=Decimal("6.50")
    )
    ProductFactory(name="Fine Cup", quantity=50, expiry_date=today + timedelta(15))

    html = staff_client.get(URL).content.decode()

    assert pinned_items(html) == [
        (f"alert-{empty.pk}-out", "Empty Jar out of stock: no units left"),
        (f"alert-{stale.pk}-expired", "Old Milk expired: expired 2 days ago"),
        (
            f"alert-{cheap.pk}-below-cost",
            "Cheap Pot price below cost: price $5.00, cost $6.50",
        ),
        (f"alert-{low.pk}-low", "Low Mug low stock: 3 left, low at 5"),
        (f"alert-{own.pk}-low", "Busy Tea low stock: 15 left, low at 20"),
        (f"alert-{soon.pk}-expiring", "Fresh Bread expiring soon: expires in 14 days"),
    ]
    assert f'<a href="/products/{empty.slug}/">Empty Jar</a>' in html
    # Above the live rows.
    assert html.index('id="stock-alerts"') < html.index('id="feed-rows"')
    assert 'id="counter-alerts">6<' in html


@pytest.mark.django_db
def test_the_pinned_list_is_bounded_and_says_how_many_are_open(staff_client, settings):
    settings.STOCK_ALERTS_SHOWN = 3
    for _ in range(5):
        ProductFactory(quantity=0)

    html = staff_client.get(URL).content.decode()

    assert len(pinned_items(html)) == 3
    assert "The 3 most urgent of 5 open alerts are listed" in html


@pytest.mark.django_db
def test_without_alerts_the_list_says_so(staff_client):
    ProductFactory(quantity=50)
    html = staff_client.get(URL).content.decode()
    assert pinned_items(html) == []
    assert "No open alerts." in html


@pytest.mark.django_db
def test_an_expiry_alert_appears_as_days_pass_on_the_next_page_load(
    staff_client, settings, monkeypatch
):
    settings.EXPIRY_ALERT_DAYS = 14
    today = timezone.localdate()
    ProductFactory(name="Yoghurt", expiry_date=today + timedelta(days=15))
    assert pinned_items(staff_client.get(URL).content.decode()) == []

    monkeypatch.setattr(timezone, "localdate", lambda: today + timedelta(days=1))

    (item,) = pinned_items(staff_client.get(URL).content.decode())
    assert item[1] == "Yoghurt expiring soon: expires in 14 days"


@pytest.mark.django_db
def test_alert_names_are_escaped(staff_client):
    ProductFactory(name="<b>Jar</b>", quantity=0)
    html = staff_client.get(URL).content.decode()
    assert "&lt;b&gt;Jar&lt;/b&gt;" in html and "<b>Jar</b>" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KIND_CASES)
def test_each_alert_is_listed_until_the_change_that_resolves_it(staff_client, kind):
    opening, resolving, label = KIND_CASES[kind]
    product = ProductFactory(**{"quantity": 40, **values(opening)})
    assert f"alert-{product.pk}-{kind}" in dict(
        pinned_items(staff_client.get(URL).content.decode())
    )

    update(product, **values(resolving))

    html = staff_client.get(URL).content.decode()
    assert pinned_items(html) == []
    assert f"Resolved: {label}" in html


# The change row ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_row_of_the_change_that_resolved_an_alert_says_so(staff_client):
    product = ProductFactory(quantity=2, price=Decimal("5"), cost_price=Decimal("6"))
    update(product, quantity=40)
    restock = latest_change()
    update(product, price=Decimal("8"))
    repricing = latest_change()
    update(product, name="Renamed")

    html = staff_client.get(URL).content.decode()
    rows = dict(
        re.findall(r'<article [^>]*id="(change-\d+)"(.*?)</article>', html, re.S)
    )

    assert "Resolved: low stock" in rows[f"change-{restock.pk}"]
    assert "Resolved: price below cost" in rows[f"change-{repricing.pk}"]
    assert [row for row in rows.values() if "Resolved" in row] == [
        rows[f"change-{repricing.pk}"],
        rows[f"change-{restock.pk}"],
    ]
    # The product's own history says it too.
    history = staff_client.get(f"/products/{product.slug}/history/").content.decode()
    assert "Resolved: low stock" in history


@pytest.mark.django_db
def test_deleting_a_product_does_not_claim_to_resolve_its_alerts(staff_client):
    product = ProductFactory(quantity=0)
    product.delete()
    html = staff_client.get(URL).content.decode()
    assert "Resolved" not in html


# The event --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_event_of_a_change_that_opens_an_alert_puts_it_on_top():
    product = ProductFactory(name="Blue Mug", quantity=10)
    update(product, quantity=0)

    html = render_event(latest_change())

    assert oob_targets(html) == {
        "feed-rows": "afterbegin",
        "stock-alert-items": "afterbegin",
    }
    assert f'<li id="alert-{product.pk}-out"' in html


@pytest.mark.django_db
def test_the_event_of_a_change_that_resolves_an_alert_removes_it_by_id():
    product = ProductFactory(quantity=0)
    update(product, quantity=40)

    html = render_event(latest_change())

    assert oob_targets(html) == {
        "feed-rows": "afterbegin",
        f"alert-{product.pk}-out": "delete",
    }
    assert "Resolved: out of stock" in html


@pytest.mark.django_db
def test_restocking_an_empty_shelf_a_little_swaps_out_of_stock_for_low_stock():
    product = ProductFactory(quantity=0)
    update(product, quantity=2)

    html = render_event(latest_change())

    assert oob_targets(html) == {
        "feed-rows": "afterbegin",
        f"alert-{product.pk}-out": "delete",
        "stock-alert-items": "afterbegin",
    }
    assert f'id="alert-{product.pk}-low"' in html
    assert "Resolved: out of stock" in html


@pytest.mark.django_db
def test_an_alert_still_open_is_replaced_in_place_when_its_kinds_change():
    product = ProductFactory(quantity=3, price=Decimal("9"))
    update(product, quantity=2, cost_price=Decimal("10"))

    html = render_event(latest_change())

    assert oob_targets(html) == {
        "feed-rows": "afterbegin",
        f"alert-{product.pk}-low": "true",
        "stock-alert-items": "afterbegin",
    }
    assert "2 left, low at 5" in html


@pytest.mark.django_db
def test_a_change_that_leaves_the_alerts_alone_carries_no_alert_update():
    product = ProductFactory(quantity=3)
    update(product, quantity=2)  # still low: the item's figure waits for a reload
    assert oob_targets(render_event(latest_change())) == {"feed-rows": "afterbegin"}
    update(product, name="Renamed")
    assert oob_targets(render_event(latest_change())) == {"feed-rows": "afterbegin"}


@pytest.mark.django_db
def test_the_event_of_a_deletion_removes_the_products_alerts():
    product = ProductFactory(quantity=0, price=Decimal("1"), cost_price=Decimal("2"))
    pk = product.pk
    product.delete()

    html = render_event(latest_change())

    assert oob_targets(html) == {
        "feed-rows": "afterbegin",
        f"alert-{pk}-out": "delete",
        f"alert-{pk}-below-cost": "delete",
    }


@pytest.mark.django_db
def test_a_change_recorded_without_the_products_id_sends_the_list_afresh():
    ProductFactory(name="Still Empty", quantity=0)
    change = ProductChangeFactory(
        action=ProductChange.Action.DELETED,
        alerts={"product": None, "before": ["out"], "after": []},
    )

    html = render_event(change)

    assert oob_targets(html) == {"feed-rows": "afterbegin", "stock-alerts": "true"}
    assert "Still Empty" in html


@pytest.mark.django_db
def test_a_sockets_current_state_carries_the_pinned_list():
    ProductFactory(name="Empty Jar", quantity=0)
    html = render_snapshot().html
    assert oob_targets(html)["stock-alerts"] == "true"
    assert "Empty Jar" in html


# Over the socket --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", KIND_CASES)
async def test_each_alert_appears_and_resolves_over_the_socket(
    open_feed, staff_user, kind
):
    opening, resolving, label = KIND_CASES[kind]
    product = await sync_to_async(ProductFactory)(name="Blue Mug", quantity=40)
    communicator, accepted = await open_feed(staff_user)
    assert accepted
    await communicator.receive_from(timeout=3)  # the current state

    await sync_to_async(update)(product, **values(opening))
    opened = await event_frame(communicator)
    assert oob_targets(opened)["stock-alert-items"] == "afterbegin"
    assert f'<li id="alert-{product.pk}-{kind}"' in opened
    assert "Blue Mug" in opened

    await sync_to_async(update)(product, **values(resolving))
    resolved = await event_frame(communicator)
    assert oob_targets(resolved)[f"alert-{product.pk}-{kind}"] == "delete"
    assert f"Resolved: {label}" in resolved


async def event_frame(communicator):
    """The next frame with a change row (the counters travel on their own)."""
    while True:
        frame = await communicator.receive_from(timeout=3)
        if 'class="change change-' in frame:
            return frame


@pytest.mark.django_db
def test_a_batch_that_moves_alerts_sends_the_pinned_list_afresh():
    """A batch is one event for many products: its event replaces the whole
    list, so alerts its products opened or closed show at once."""
    emptied, restocked = ProductFactory(quantity=10), ProductFactory(quantity=0)
    items = [
        writes.BatchItem(emptied, {"quantity": 0}, emptied.version),
        writes.BatchItem(restocked, {"quantity": 40}, restocked.version),
    ]
    batch = writes.products_bulk(items=items, label="Set quantity")

    html = render_event(batch.entry)

    assert oob_targets(html) == {"feed-rows": "afterbegin", "stock-alerts": "true"}
    assert [dom_id for dom_id, _ in pinned_items(html)] == [f"alert-{emptied.pk}-out"]


@pytest.mark.django_db
def test_a_batch_that_leaves_the_alerts_alone_carries_no_alert_update():
    products = [ProductFactory(quantity=10, price=Decimal("2")) for _ in range(2)]
    items = [writes.BatchItem(p, {"price": Decimal("3")}, p.version) for p in products]
    batch = writes.products_bulk(items=items, label="Price +1")

    assert oob_targets(render_event(batch.entry)) == {"feed-rows": "afterbegin"}
