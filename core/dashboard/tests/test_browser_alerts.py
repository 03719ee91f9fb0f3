"""Stock alerts in Chromium: they appear and resolve on an open feed page as
another staff member edits (real daphne, the htmx ws extension's own swaps)."""

from decimal import Decimal

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from playwright.async_api import expect

from accounts.tests.factories import PASSWORD, StaffFactory
from products.tests.factories import ProductFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio(loop_scope="module"),
]

LIVE = 3000  # ms


@pytest_asyncio.fixture(loop_scope="module")
async def browser(module_chromium):
    yield module_chromium
    for context in list(module_chromium.contexts):
        await context.close()


async def logged_in_page(browser, server, username):
    await sync_to_async(StaffFactory)(username=username)
    context = await browser.new_context(base_url=server.url)
    page = await context.new_page()
    await page.goto("/accounts/login/")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Catalog")).to_be_visible()
    return page


async def edit(page, product, **values):
    await page.goto(f"/products/{product.slug}/edit/")
    for name, value in values.items():
        await page.locator(f"#id_{name}").fill(value)
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_text(f"Saved “{product.name}”.")).to_be_visible()


async def test_alerts_appear_and_resolve_on_an_open_feed(browser, module_daphne):
    product = await sync_to_async(ProductFactory)(
        name="Blue Mug", price=Decimal("5.00"), cost_price=Decimal("4.00"), quantity=10
    )
    feed = await logged_in_page(browser, module_daphne, "watcher")
    await feed.goto("/dashboard/products/")
    await expect(feed.locator("#connection-status")).to_have_attribute(
        "data-state", "connected"
    )
    alerts = feed.locator("#stock-alert-items > li")
    none = feed.get_by_text("No open alerts.")
    await expect(none).to_be_visible()

    editor = await logged_in_page(browser, module_daphne, "editor")
    await edit(editor, product, quantity="0", price="3.50")
    await expect(alerts).to_have_count(2, timeout=LIVE)
    await expect(feed.locator(f"#alert-{product.pk}-out")).to_contain_text(
        "Blue Mug out of stock"
    )
    await expect(feed.locator(f"#alert-{product.pk}-below-cost")).to_contain_text(
        "price $3.50, cost $4.00"
    )
    await expect(none).to_be_hidden()

    await edit(editor, product, quantity="2")
    await expect(feed.locator(f"#alert-{product.pk}-low")).to_contain_text(
        "2 left, low at 5", timeout=LIVE
    )
    await expect(feed.locator(f"#alert-{product.pk}-out")).to_have_count(0)
    row = feed.locator("#feed-rows > .change").first
    await expect(row.locator(".change-resolved")).to_have_text("Resolved: out of stock")

    await edit(editor, product, quantity="40", cost_price="3.00")
    await expect(alerts).to_have_count(0, timeout=LIVE)
    await expect(none).to_be_visible()
    await expect(row.locator(".change-resolved")).to_have_text(
        "Resolved: price below cost, low stock"
    )
    await expect(feed.locator("#counter-alerts")).to_have_text("0")
