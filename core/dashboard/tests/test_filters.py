"""Feed filters: query parameters on the page, the htmx answer, "Load older",
the rules handed to the page's script for live rows, and an honest end of list."""

import re
from datetime import datetime, timezone

import pytest
from django.test import override_settings

from dashboard.fragments import render_event
from products.models import ProductChange
from products.tests.factories import ProductChangeFactory, ProductFactory, field_items

pytestmark = pytest.mark.django_db

URL = "/dashboard/products/"


def at(day, hour=12, minute=0):
    return datetime(2024, 5, day, hour, minute, tzinfo=timezone.utc)


@pytest.fixture
def log():
    """Five changes that each filter tells apart, by name."""
    mug = ProductFactory(name="Blue Mug", sku="MUG-1")
    lamp = ProductFactory(name="Desk Lamp", sku="LAMP-7")
    ProductChange.objects.all().delete()  # only the rows below
    return {
        "alice-creates-mug": ProductChangeFactory(
            action="created",
            product=mug,
            product_name="Blue Mug",
            actor_name="alice",
            changes=field_items(name=("", "Blue Mug"), price=("", "9.99")),
            created_at=at(1, 9),
        ),
        "shell-stocks-mug": ProductChangeFactory(
            product=mug,
            product_name="Blue Mug",
            source="shell",
            changes=field_items(quantity=("1", "5")),
            created_at=at(2, 23, 59),
        ),
        "bob-reprices-lamp": ProductChangeFactory(
            product=lamp,
            product_name="Desk Lamp",
            actor_name="bob",
            source="admin",
            changes=field_items(price=("20.00", "25.00")),
            created_at=at(3),
        ),
        "alice-renames-lamp": ProductChangeFactory(
            product=lamp,
            product_name="Desk Lamp",
            actor_name="alice",
            # A value holding the text a field filter looks for must not match.
            changes=field_items(name=("Lamp", 'Lamp "field": "price"')),
            created_at=at(4),
        ),
        "bob-deletes-vase": ProductChangeFactory(
            action="deleted",
            product=None,
            product_name="Glass Vase",
            actor_name="bob",
            changes=field_items(sku=("VASE-3", ""), price=("5.00", "")),
            created_at=at(5),
        ),
    }


def shown(response, log):
    """Names of the ``log`` rows in the response, newest first."""
    ids = [int(i) for i in re.findall(r'id="change-(\d+)"', response.content.decode())]
    by_id = {change.pk: name for name, change in log.items()}
    return [by_id[i] for i in ids]


FILTERS = [
    ("action=created", ["alice-creates-mug"]),
    ("action=deleted", ["bob-deletes-vase"]),
    ("actor=alice", ["alice-renames-lamp", "alice-creates-mug"]),
    ("actor=ALICE", ["alice-renames-lamp", "alice-creates-mug"]),
    ("actor=shell", ["shell-stocks-mug"]),
    ("actor=admin", ["bob-reprices-lamp"]),  # a source, also with a user
    ("product=mug", ["shell-stocks-mug", "alice-creates-mug"]),
    ("product=lamp-7", ["alice-renames-lamp", "bob-reprices-lamp"]),  # by SKU
    ("product=vase", ["bob-deletes-vase"]),
    ("field=price", ["bob-deletes-vase", "bob-reprices-lamp", "alice-creates-mug"]),
    ("field=quantity", ["shell-stocks-mug"]),
    (
        "since=2024-05-03",
        ["bob-deletes-vase", "alice-renames-lamp", "bob-reprices-lamp"],
    ),
    ("until=2024-05-02", ["shell-stocks-mug", "alice-creates-mug"]),
    ("since=2024-05-02&until=2024-05-02", ["shell-stocks-mug"]),
    ("actor=bob&field=price", ["bob-deletes-vase", "bob-reprices-lamp"]),
    ("actor=alice&product=lamp&action=updated&field=name", ["alice-renames-lamp"]),
    ("actor=alice&since=2024-05-02&until=2024-05-03", []),
]


@pytest.mark.parametrize("query, expected", FILTERS)
def test_each_filter_and_combination_on_the_page(staff_client, log, query, expected):
    response = staff_client.get(f"{URL}?{query}")

    assert response.status_code == 200
    assert shown(response, log) == expected


@pytest.mark.parametrize("query, expected", FILTERS)
def test_each_filter_and_combination_in_the_htmx_answer(
    staff_client, log, query, expected
):
    response = staff_client.get(f"{URL}?{query}", HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert '<div id="feed-rows" hx-swap-oob="innerHTML">' in html
    assert '<div id="feed-view"' in html and '<div id="feed-more"' in html
    assert shown(response, log) == expected


def test_the_htmx_answer_puts_the_filters_in_the_address(staff_client, log):
    response = staff_client.get(
        f"{URL}?action=&actor=+alice+&product=&field=&since=&until=",
        HTTP_HX_REQUEST="true",
    )

    assert response["HX-Push-Url"] == f"{URL}?actor=alice"


def test_without_javascript_the_form_is_a_plain_get_that_keeps_its_values(
    staff_client, log
):
    html = staff_client.get(f"{URL}?actor=alice&field=price").content.decode()

    assert '<form id="feed-filters"' in html and 'method="get"' in html
    assert 'name="actor" id="id_actor" value="alice"' in html
    assert '<option value="price" selected>' in html
    assert "Only changes that match the filters are shown." in html
    assert 'href="/dashboard/products/export.csv?actor=alice&amp;field=price"' in html


def test_an_unfiltered_feed_says_nothing_about_filters(staff_client, log):
    html = staff_client.get(URL).content.decode()

    assert len(shown(staff_client.get(URL), log)) == 5
    assert "Only changes that match" not in html
    assert 'href="/dashboard/products/export.csv"' in html


def test_nothing_matching_says_so(staff_client, log):
    html = staff_client.get(f"{URL}?actor=nobody").content.decode()

    assert "No changes match these filters." in html
    assert "No changes yet" not in html


@override_settings(FEED_PAGE_SIZE=1)
def test_load_older_keeps_the_filters(staff_client, log):
    first = staff_client.get(f"{URL}?actor=bob")
    vase = log["bob-deletes-vase"].pk
    older = f"?actor=bob&amp;before={vase}"
    assert older in first.content.decode()

    fragment = staff_client.get(
        f"{URL}?actor=bob&before={vase}", HTTP_HX_REQUEST="true"
    )
    assert shown(fragment, log) == ["bob-reprices-lamp"]
    assert "That is the whole history." in fragment.content.decode()

    page = staff_client.get(f"{URL}?actor=bob&before={vase}")  # without JavaScript
    assert shown(page, log) == ["bob-reprices-lamp"]
    assert 'name="actor" id="id_actor" value="bob"' in page.content.decode()


def test_invalid_filters_show_the_error_and_no_rows(staff_client, log):
    page = staff_client.get(f"{URL}?since=2024-05-04&until=2024-05-01")
    fragment = staff_client.get(
        f"{URL}?since=2024-05-04&until=2024-05-01", HTTP_HX_REQUEST="true"
    )
    bad_date = staff_client.get(f"{URL}?since=yesterday")
    fragment_html = fragment.content.decode()

    assert page.status_code == 400
    assert "The end date is before the start date." in page.content.decode()
    assert shown(page, log) == []
    # htmx swaps only a 200: the errors travel to their place beside the form.
    assert fragment.status_code == 200
    errors = re.search(r'<div id="feed-filter-errors"[^>]*>(.*?)</div>', fragment_html)
    assert 'hx-swap-oob="true"' in errors[0]
    assert errors[1] == "<p>Until: The end date is before the start date.</p>"
    assert shown(fragment, log) == []
    assert bad_date.status_code == 400
    assert "Since: Enter a valid date." in bad_date.content.decode()
    assert 'data-filter-none="true"' in bad_date.content.decode()


def test_unknown_field_or_action_is_an_error(staff_client, log):
    assert staff_client.get(f"{URL}?field=password").status_code == 400
    assert staff_client.get(f"{URL}?action=exploded").status_code == 400


def test_the_page_hands_its_rules_to_the_script(staff_client, log):
    html = staff_client.get(
        f"{URL}?action=updated&actor=Alice&product=Lamp&field=name"
        "&since=2024-05-02&until=2024-05-03"
    ).content.decode()

    view = re.search(r'<div id="feed-view"[^>]*>', html)[0]
    assert 'data-filter-action="updated"' in view
    assert 'data-filter-actor="alice"' in view  # compared lower-cased
    assert 'data-filter-product="lamp"' in view
    assert 'data-filter-field="name"' in view
    assert 'data-filter-since="2024-05-02T00:00:00+00:00"' in view
    assert 'data-filter-until="2024-05-04T00:00:00+00:00"' in view  # the day after
    assert f'data-latest="{log["bob-deletes-vase"].pk}"' in view


def test_pushed_rows_carry_what_the_script_filters_on(log):
    html = render_event(log["bob-reprices-lamp"])

    row = re.search(r"<article [^>]*>", html)[0]
    assert 'data-action="updated"' in row
    assert 'data-actor="bob"' in row and 'data-source="admin"' in row
    assert 'data-product="Desk Lamp"' in row and 'data-sku="LAMP-7"' in row
    assert 'data-fields="price "' in row
    assert 'datetime="2024-05-03T12:00:00+00:00"' in html


def test_pushed_rows_escape_what_they_carry():
    change = ProductChangeFactory(
        product_name='"><script>alert(1)</script>', actor_name="<b>"
    )

    html = render_event(change)

    assert "<script>" not in html and "<b>" not in html
    assert 'data-actor="&lt;b&gt;"' in html


# The end of the list ---------------------------------------------------------


@override_settings(FEED_PAGE_SIZE=3)
def test_exactly_a_page_of_rows_is_the_whole_history(staff_client):
    ProductChangeFactory.create_batch(3)

    html = staff_client.get(URL).content.decode()

    assert "That is the whole history." in html
    assert "Load older" not in html


def test_past_the_live_cap_every_older_row_is_reachable(staff_client):
    """540 changes: the page, and each "Load older", offer more until the last
    row; only then does the list say it is the whole history."""
    ProductChange.objects.bulk_create(
        ProductChangeFactory.build(product_name=f"P{n}") for n in range(540)
    )
    seen, url, pages = [], URL, 0
    while url:
        # The first page as loaded, then "Load older" as htmx asks for it.
        headers = {"HX-Request": "true"} if pages else {}
        html = staff_client.get(url, headers=headers).content.decode()
        seen += [int(i) for i in re.findall(r'id="change-(\d+)"', html)]
        pages += 1
        more = re.search(r'href="(/dashboard/products/\?before=\d+)"', html)
        url = more[1] if more else None
        if url is None:
            assert "That is the whole history." in html
        else:
            assert "That is the whole history." not in html

    assert pages == 11
    assert seen == sorted(ProductChange.objects.values_list("pk", flat=True))[::-1]


@pytest.mark.parametrize("url", [URL, f"{URL}export.csv"])
def test_the_last_day_a_date_can_name_is_an_open_end(staff_client, log, url):
    # 9999-12-31 plus a day overflowed (500).
    response = staff_client.get(f"{url}?since=2024-05-01&until=9999-12-31")

    assert response.status_code == 200
    streamed = response.streaming and response.streaming_content
    body = b"".join(streamed) if streamed else response.content
    assert b"Blue Mug" in body and b"Desk Lamp" in body
