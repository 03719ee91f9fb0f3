"""The live feed page in Chromium: without JavaScript, after the session ends,
rows that arrive, relative times and "Load older" (one daphne for the module)."""

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

URL = "/dashboard/products/"
LIVE = 3000  # ms
# Counts the socket's messages: the first one (the current state) replaces the
# rows, so a test acts on the page only after it.
COUNT_MESSAGES = """
window.feedMessages = 0;
document.addEventListener("live:message", () => { window.feedMessages += 1; });
"""


@pytest_asyncio.fixture(loop_scope="module")
async def open_page(module_chromium, module_daphne):
    """``await open_page(username=None, **context_options)`` -> a page, logged in
    as ``username`` when given."""
    contexts = []

    async def open_one(username=None, **options):
        context = await module_chromium.new_context(
            base_url=module_daphne.url, **options
        )
        contexts.append(context)
        await context.add_init_script(COUNT_MESSAGES)
        page = await context.new_page()
        if username:
            await log_in(page, username)
        return page

    yield open_one
    for context in contexts:
        await context.close()


@pytest_asyncio.fixture(loop_scope="module")
async def staff():
    await sync_to_async(StaffFactory)(username="watcher")
    await sync_to_async(StaffFactory)(username="editor")


async def log_in(page, username, then="Catalog"):
    if "/accounts/login/" not in page.url:
        await page.goto("/accounts/login/")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name=then)).to_be_visible()


async def open_feed(page):
    await page.goto(URL)
    await expect(page.locator("#connection-status")).to_have_attribute(
        "data-state", "connected"
    )
    await page.wait_for_function("() => window.feedMessages > 0")


async def create_product(page, name, sku):
    await page.goto("/products/create/")
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("SKU").fill(sku)
    await page.get_by_label("Price").fill("1.00")
    await page.get_by_label("Quantity").fill("1")
    await page.get_by_role("button", name="Create product").click()
    await expect(page.get_by_role("heading", name=name)).to_be_visible()


async def test_without_javascript_the_page_says_it_shows_the_state_at_load(
    open_page, staff
):
    await sync_to_async(ProductFactory)(name="Blue Mug")
    page = await open_page("watcher", java_script_enabled=False)

    await page.goto(URL)

    await expect(page.get_by_text("Live updates need JavaScript")).to_be_visible()
    await expect(page.get_by_text("Connecting…")).to_be_hidden()
    await expect(page.locator("#feed-rows")).to_contain_text("Blue Mug")


async def test_after_the_session_ends_log_in_again_leads_back_to_the_feed(
    open_page, staff
):
    page = await open_page("watcher")
    await open_feed(page)
    other_tab = await page.context.new_page()
    await other_tab.goto("/products/")
    await other_tab.get_by_role("button", name="Log out watcher").click()

    status = page.locator("#connection-status")
    await expect(status).to_have_attribute("data-state", "ended", timeout=LIVE * 3)
    await expect(status).to_contain_text("Session ended")
    await status.get_by_role("link", name="Log in again").click()
    await log_in(page, "watcher", then="Product changes")
    assert page.url.endswith(URL)


@pytest.mark.parametrize("motion", ["no-preference", "reduce"])
async def test_a_row_that_arrives_is_highlighted_briefly(open_page, staff, motion):
    await sync_to_async(ProductFactory)(name="Already there")
    dashboard = await open_page("watcher", reduced_motion=motion)
    await open_feed(dashboard)
    old_row = dashboard.locator("#feed-rows > .change").first
    await expect(old_row.locator("time")).to_have_text("just now")

    editor = await open_page("editor")
    await create_product(editor, "Arrived", "ARR-1")

    row = dashboard.locator("#feed-rows > .change").first
    await expect(row).to_contain_text("Arrived", timeout=LIVE)
    await expect(row).to_have_class("change change-created change-new")
    animation = await row.evaluate("row => getComputedStyle(row).animationName")
    assert animation == ("none" if motion == "reduce" else "change-arrived")
    # One formatter: the row pushed and the row rendered with the page agree.
    await expect(row.locator("time")).to_have_text("just now")
    await expect(old_row).not_to_have_class("change-new")
    await expect(row).not_to_have_class("change-new", timeout=5000)


async def test_load_older_focuses_the_first_older_row_and_retitles_the_page(
    open_page, staff
):
    def make():
        return [ProductFactory(name=f"Product {n:02}") for n in range(53)]

    products = await sync_to_async(make)()  # the page shows 50 rows
    page = await open_page("watcher", viewport={"width": 1280, "height": 800})
    await open_feed(page)

    await page.get_by_role("link", name="Load older").click()

    focused = page.locator(".change:focus")
    await expect(focused).to_contain_text(products[2].name)
    title = await page.title()
    assert title.startswith("Live feed, back to ") and title.endswith(" · Shop Manager")
    await expect(page.locator("#feed-rows > .change")).to_have_count(53)
    top = await focused.evaluate("row => row.getBoundingClientRect().top")
    assert 0 <= top < 400
