"""The filtered and paused live feed, and its end of list, in Chromium.

Changes are written straight into the database by the test; the server's catch-up
(every 0.3 s here) pushes them to the page as it would any change another process
made, on either channel layer.
"""

import re
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone
from playwright.async_api import expect

from accounts.tests.factories import WatcherFactory
from products.models import ProductChange
from products.tests.factories import ProductChangeFactory, ProductFactory, field_items

from .test_browser import browser, logged_in_page  # noqa: F401  (fixture)

# One daphne and one Chromium for the module, so its tests share one event loop.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio(loop_scope="module"),
]

LIVE = 5000  # ms: a change reaches the page through the catch-up within this
# Counts the socket's messages: the first one is the current state.
COUNT_MESSAGES = """
window.feedMessages = 0;
document.addEventListener("live:message", () => { window.feedMessages += 1; });
"""


@pytest.fixture(scope="module")
def module_daphne_environment():
    return {"LIVE_CATCHUP_SECONDS": "0.3", "FEED_CATCHUP_SETTLE_SECONDS": "0.2"}


@pytest.fixture
def server(module_daphne):
    return module_daphne


@pytest.fixture
async def products():
    def make():
        made = (
            ProductFactory(name="Blue Mug", sku="MUG-1"),
            ProductFactory(name="Desk Lamp", sku="LAMP-7"),
        )
        ProductChange.objects.all().delete()  # each test writes its own
        return made

    return await sync_to_async(make)()


async def watcher_page(browser, server, path):  # noqa: F811
    user = await sync_to_async(WatcherFactory)(username="watcher")
    page = await logged_in_page(browser, server, user)
    await page.context.add_init_script(COUNT_MESSAGES)
    await page.goto(path)
    await expect(page.locator("#connection-status")).to_have_attribute(
        "data-state", "connected"
    )
    await page.wait_for_function("() => window.feedMessages > 0")  # the current state
    return page


async def change(product, actor="alice", **fields):
    """A change of ``product`` by ``actor``, as the write path records one."""
    return await sync_to_async(ProductChangeFactory)(
        product=product,
        product_name=product.name,
        actor_name=actor,
        changes=field_items(**(fields or {"quantity": ("1", "2")})),
    )


def row(page, change):
    return page.locator(f"#feed-rows > #change-{change.pk}")


async def test_a_filtered_feed_shows_matching_live_rows_counts_the_rest_and_pauses(
    browser, server, products  # noqa: F811
):
    mug, lamp = products
    earlier = await change(mug, actor="bob")  # before the page: filtered out there
    page = await watcher_page(
        browser, server, "/dashboard/products/?actor=alice&product=mug"
    )
    unmatched = page.locator(".feed-unmatched")
    await expect(page.locator("#feed-rows > .change")).to_have_count(0)

    by_alice = await change(mug)
    by_bob = await change(mug, actor="bob")
    lamp_by_alice = await change(lamp)

    await expect(row(page, by_alice)).to_be_visible(timeout=LIVE)
    await expect(unmatched).to_have_text(
        "2 new changes arrived that do not match.", timeout=LIVE
    )
    for other in (earlier, by_bob, lamp_by_alice):
        await expect(row(page, other)).to_have_count(0)

    # Paused: matching rows wait behind "N new", the rest are still counted.
    await page.get_by_role("button", name="Pause").click()
    await expect(page.locator("#feed-pause")).to_have_attribute("aria-pressed", "true")
    held = [await change(mug, price=("9.99", "12.50")), await change(mug)]
    await change(lamp, actor="bob")
    held_button = page.locator("#feed-held")
    await expect(held_button).to_have_text("2 new", timeout=LIVE)
    await expect(unmatched).to_have_text("3 new changes arrived that do not match.")
    for waiting in held:
        await expect(row(page, waiting)).to_have_count(0)

    await held_button.click()
    await expect(held_button).to_be_hidden()
    ids = await page.locator("#feed-rows > .change").evaluate_all(
        "rows => rows.map(row => Number(row.dataset.id))"
    )
    assert ids == [held[1].pk, held[0].pk, by_alice.pk]  # newest on top

    # Still paused until resumed; resuming shows what waited.
    later = await change(mug)
    await expect(held_button).to_have_text("1 new", timeout=LIVE)
    await page.get_by_role("button", name="Resume").click()
    await expect(row(page, later)).to_be_visible()
    live = await change(mug)
    await expect(row(page, live)).to_be_visible(timeout=LIVE)


async def test_the_filter_form_applies_in_place_and_live_rows_follow_it(
    browser, server, products  # noqa: F811
):
    mug, lamp = products
    old_lamp = await change(lamp, actor="bob", price=("20.00", "25.00"))
    page = await watcher_page(browser, server, "/dashboard/products/")
    await page.evaluate("window.samePage = true")

    await page.get_by_label("Field").select_option("price")
    await page.get_by_role("button", name="Apply").click()

    await expect(page).to_have_url(re.compile(r"/dashboard/products/\?field=price$"))
    await expect(page.locator("#feed-rows > .change")).to_have_count(1)
    await expect(row(page, old_lamp)).to_be_visible()
    assert await page.evaluate("window.samePage") is True  # no reload
    export = page.get_by_role("link", name="Export these changes as CSV")
    await expect(export).to_have_attribute(
        "href", "/dashboard/products/export.csv?field=price"
    )

    priced = await change(mug, price=("9.99", "12.50"))
    await change(mug, quantity=("1", "2"))
    await expect(row(page, priced)).to_be_visible(timeout=LIVE)
    await expect(page.locator(".feed-unmatched")).to_have_text(
        "1 new change arrived that does not match.", timeout=LIVE
    )

    # A period that ended yesterday: nothing live can match it.
    yesterday = (timezone.now() - timedelta(days=1)).date().isoformat()
    await page.get_by_label("Until").fill(yesterday)
    await page.get_by_role("button", name="Apply").click()
    await expect(page.locator("#feed-rows > .change")).to_have_count(0)
    await expect(page.locator(".feed-unmatched")).to_be_hidden()
    repriced = await change(mug, price=("12.50", "14.00"))
    await expect(page.locator(".feed-unmatched")).to_have_text(
        "1 new change arrived that does not match.", timeout=LIVE
    )
    await expect(row(page, repriced)).to_have_count(0)


async def test_past_the_live_cap_the_end_of_the_list_offers_older_rows(
    browser, server  # noqa: F811
):
    first = await sync_to_async(ProductChangeFactory)(product_name="The very first")
    page = await watcher_page(browser, server, "/dashboard/products/")
    await expect(page.locator("#feed-more")).to_have_text("That is the whole history.")

    await sync_to_async(ProductChange.objects.bulk_create)(
        ProductChangeFactory.build(product_name=f"Live {n}") for n in range(205)
    )

    rows = page.locator("#feed-rows > .change")
    await expect(page.locator("#feed-rows > .change").first).to_contain_text(
        "Live 204", timeout=15_000
    )
    await expect(rows).to_have_count(200)
    await expect(page.locator("#feed-more")).not_to_contain_text("whole history")

    await page.get_by_role("link", name="Load older").click()

    await expect(rows).to_have_count(206)
    await expect(rows.last).to_have_attribute("id", f"change-{first.pk}")
    await expect(page.locator("#feed-more")).to_have_text("That is the whole history.")
