"""End to end: a real daphne, Debian's Chromium driven by Playwright (async API).

One staff browser watches the dashboard while another edits through the forms.
"""

from decimal import Decimal

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from playwright.async_api import expect

from accounts.tests.factories import PASSWORD, StaffFactory
from products.tests.factories import ProductFactory

from .live_server import Daphne

# One daphne and one Chromium for the module (core/testing/fixtures.py), so its
# tests share one event loop.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio(loop_scope="module"),
]

LIVE = 2000  # ms: a change must show on the dashboard within this


@pytest.fixture
def server(module_daphne):
    return module_daphne


@pytest_asyncio.fixture(loop_scope="module")
async def browser(module_chromium):
    """The module's Chromium; the contexts (cookies, pages, sockets) a test opens
    are closed after it."""
    yield module_chromium
    for context in list(module_chromium.contexts):
        await context.close()


@pytest.fixture
async def staff_accounts():
    watcher = await sync_to_async(StaffFactory)(username="watcher")
    editor = await sync_to_async(StaffFactory)(username="editor")
    return watcher, editor


async def logged_in_page(browser, server, user):
    context = await browser.new_context(base_url=server.url)
    page = await context.new_page()
    await page.goto("/accounts/login/")
    await page.get_by_label("Username").fill(user.username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Catalog")).to_be_visible()
    return page


async def open_dashboard(page):
    await page.goto("/dashboard/products/")
    await expect(page.locator("#connection-status")).to_have_attribute(
        "data-state", "connected"
    )


async def test_an_edit_appears_on_the_dashboard_with_counters(
    browser, server, staff_accounts
):
    watcher, editor = staff_accounts
    product = await sync_to_async(ProductFactory)(
        name="Blue Mug", price=Decimal("9.99"), quantity=2
    )
    dashboard = await logged_in_page(browser, server, watcher)
    await open_dashboard(dashboard)
    await expect(dashboard.locator("#counter-value")).to_have_text("$19.98")

    form = await logged_in_page(browser, server, editor)
    await form.goto(f"/products/{product.slug}/edit/")
    await form.get_by_label("Price").fill("12.50")
    await form.get_by_role("button", name="Save changes").click()
    await expect(form.get_by_text("Saved “Blue Mug”.")).to_be_visible()

    row = dashboard.locator("#feed-rows > .change").first
    await expect(row).to_contain_text("editor", timeout=LIVE)
    await expect(row.locator("del.old")).to_have_text("$9.99")
    await expect(row.locator("ins.new")).to_have_text("$12.50")
    await expect(dashboard.locator("#counter-value")).to_have_text("$25.00")
    assert await dashboard.locator("#feed-rows > .change").count() == 2


async def test_a_hostile_product_name_shows_as_text(browser, server, staff_accounts):
    watcher, editor = staff_accounts
    dialogs = []
    dashboard = await logged_in_page(browser, server, watcher)
    dashboard.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await open_dashboard(dashboard)

    name = "<img src=x onerror=alert(1)>"
    form = await logged_in_page(browser, server, editor)
    form.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await form.goto("/products/create/")
    await form.get_by_label("Name").fill(name)
    await form.get_by_label("SKU").fill("XSS-1")
    await form.get_by_label("Price").fill("1.00")
    await form.get_by_label("Quantity").fill("1")
    await form.get_by_role("button", name="Create product").click()
    await expect(form.get_by_role("heading", name=name)).to_be_visible()

    row = dashboard.locator("#feed-rows > .change").first
    await expect(row.locator(".change-product")).to_have_text(name, timeout=LIVE)
    assert await dashboard.locator("#feed-rows img").count() == 0
    await form.goto("/products/")
    await expect(form.get_by_text(name).first).to_be_visible()
    assert dialogs == []


async def test_logging_out_in_another_tab_ends_the_session(
    browser, server, staff_accounts
):
    watcher, _ = staff_accounts
    dashboard = await logged_in_page(browser, server, watcher)
    await open_dashboard(dashboard)

    other_tab = await dashboard.context.new_page()
    await other_tab.goto("/products/")
    await other_tab.get_by_role("button", name="Log out watcher").click()
    await expect(other_tab.get_by_role("link", name="Log in")).to_be_visible()

    status = dashboard.locator("#connection-status")
    await expect(status).to_have_attribute("data-state", "ended", timeout=LIVE)
    await expect(status).to_contain_text("Session ended")


async def test_a_restarted_server_is_rejoined_with_what_changed_meanwhile(
    browser, tmp_path, staff_accounts
):
    """The server closes feed sockets with 4012 when it stops, a code the ws
    extension does not retry by itself: the page's script must."""
    watcher, _ = staff_accounts
    first = Daphne(tmp_path).start()
    second = None
    try:
        dashboard = await logged_in_page(browser, first, watcher)
        await open_dashboard(dashboard)
        status = dashboard.locator("#connection-status")

        first.stop()
        await expect(status).to_have_attribute("data-state", "reconnecting")
        await sync_to_async(ProductFactory)(name="Made while it was down")
        second = Daphne(tmp_path, port=first.port).start()

        await expect(status).to_have_attribute(
            "data-state", "connected", timeout=15_000
        )
        await expect(dashboard.locator("#feed-rows")).to_contain_text(
            "Made while it was down"
        )
    finally:
        first.stop()
        if second is not None:
            second.stop()


async def test_create_rows_fold_all_but_the_essentials_with_or_without_javascript(
    browser, server, staff_accounts
):
    watcher, _ = staff_accounts
    await sync_to_async(ProductFactory)(
        name="Blue Mug", sku="MUG-1", price=Decimal("1234.50"), supplier="Acme"
    )
    live = await logged_in_page(browser, server, watcher)
    await open_dashboard(live)
    # The same session in a browser without JavaScript.
    context = await browser.new_context(base_url=server.url, java_script_enabled=False)
    await context.add_cookies(await live.context.cookies())
    static = await context.new_page()
    await static.goto("/dashboard/products/")

    for page in (live, static):
        row = page.locator("#feed-rows > .change-created").first
        essentials = row.locator(".change-essentials")
        await expect(essentials).to_contain_text("SKU: MUG-1")
        await expect(essentials).to_contain_text("Price: $1,234.50")
        supplier = row.locator('.change-details li[data-field="supplier"]')
        await expect(supplier).to_be_hidden()
        await row.locator(".change-details > summary").focus()
        await page.keyboard.press("Enter")
        await expect(supplier).to_have_text("Supplier: Acme")
        await expect(supplier).to_be_visible()
