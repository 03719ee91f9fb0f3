"""Every element the feed's socket pushes finds its place on the page, or is
left out by the page: Chromium logs ``htmx:oobErrorNoTarget`` (an error in the
console) for one that does not. The page listens for that event here.

One render goes to every feed, and feeds differ: filtered, trimmed to their
latest rows, pinning only the most urgent alerts. An update of a row or alert a
page does not show has nothing to replace there.
"""

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from playwright.async_api import expect

from accounts.tests.factories import StaffFactory, WatcherFactory
from products.tests.factories import ProductFactory

from . import test_browser_feed_page as feed_page

open_page = feed_page.open_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio(loop_scope="module"),
]

LIVE = 5000  # ms
LISTEN = """
window.noTarget = [];
document.addEventListener("htmx:oobErrorNoTarget", (event) => {
  window.noTarget.push(event.detail.content.outerHTML.slice(0, 120));
});
"""


@pytest_asyncio.fixture(loop_scope="module")
async def people():
    await sync_to_async(StaffFactory)(username="editor")
    await sync_to_async(WatcherFactory)(username="viewer")


async def listening_feed(open_page, url):
    page = await open_page("viewer")
    await page.context.add_init_script(LISTEN)
    errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and errors.append(message.text),
    )
    await page.goto(url)
    await expect(page.locator("#connection-status")).to_have_attribute(
        "data-state", "connected"
    )
    await page.wait_for_function("() => window.feedMessages > 0")
    return page, errors


async def no_target_errors(page, errors):
    return await page.evaluate("window.noTarget"), [
        text for text in errors if "oobErrorNoTarget" in text
    ]


async def test_a_revert_of_a_row_the_filtered_page_does_not_show(open_page, people):
    product = await sync_to_async(ProductFactory)(name="Red Mug", quantity=5)
    page, errors = await listening_feed(
        open_page, "/dashboard/products/?action=created"
    )
    editor = await open_page("editor")
    await editor.goto(f"/products/{product.slug}/edit/")
    await editor.get_by_label("Quantity").fill("3")
    await editor.get_by_role("button", name="Save changes").click()
    await expect(editor.get_by_text("Saved “Red Mug”.")).to_be_visible()
    await editor.goto(f"/products/{product.slug}/history/")
    await editor.get_by_role("link", name="Revert").first.click()
    await editor.get_by_role("button", name="Revert").click()
    await expect(editor.locator(".change-reverts").first).to_contain_text("Reverts")

    # Both updates reach the page, which shows neither (only creations).
    unmatched = page.locator(".feed-unmatched")
    await expect(unmatched).to_contain_text("2", timeout=LIVE)

    assert await no_target_errors(page, errors) == ([], [])


async def test_an_alert_the_page_does_not_pin_closes(open_page, people, settings):
    shown = settings.STOCK_ALERTS_SHOWN
    products = await sync_to_async(ProductFactory.create_batch)(shown + 1, quantity=0)
    page, errors = await listening_feed(open_page, "/dashboard/products/")
    pinned = page.locator("#stock-alert-items > li")
    await expect(pinned).to_have_count(shown)
    ids = set(await pinned.evaluate_all("items => items.map(item => item.id)"))
    (unpinned,) = [p for p in products if f"alert-{p.pk}-out" not in ids]
    editor = await open_page("editor")
    await editor.goto(f"/products/{unpinned.slug}/edit/")
    await editor.get_by_label("Quantity").fill("10")  # no longer out of stock
    await editor.get_by_role("button", name="Save changes").click()
    await expect(editor.get_by_text(f"Saved “{unpinned.name}”.")).to_be_visible()

    row = page.locator("#feed-rows > .change-updated").first
    await expect(row).to_contain_text(unpinned.name, timeout=LIVE)

    assert await no_target_errors(page, errors) == ([], [])
