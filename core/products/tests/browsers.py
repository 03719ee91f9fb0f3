"""What the live pages' browser tests share: a fresh browser context per page
(its own cookies: one visitor or staff member each), and logging in."""

from asgiref.sync import sync_to_async
from playwright.async_api import expect

from accounts.tests.factories import PASSWORD, StaffFactory

# How soon a change made in one browser must show in another.
LIVE_WITHIN_MS = 2000


async def staff_page(browser, username=None):
    """A page of a new staff member (catalog editor), logged in."""
    user = await sync_to_async(StaffFactory)(
        **({"username": username} if username else {})
    )
    page = await browser()
    await page.goto("/accounts/login/")
    await page.get_by_label("Username").fill(user.username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Catalog")).to_be_visible()
    return page


async def socket_open(page, selector):
    """Until the live socket of the element at ``selector`` is open
    (``static/js/live_socket.js`` says so on the element)."""
    await expect(page.locator(selector)).to_have_attribute(
        "data-live-state", "connected"
    )
