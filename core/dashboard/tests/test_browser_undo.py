"""Revert and Restore from the live feed in Chromium: who sees the controls, and
a Restore button on a row pushed over the socket (rendered once for everyone,
without a CSRF token of its own) that works (one daphne for the module)."""

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from playwright.async_api import expect

from accounts.tests.factories import StaffFactory, WatcherFactory
from products.tests.factories import ProductFactory

from . import test_browser_feed_page as feed_page

# The feed page's own: pages logged in, counting the socket's messages.
open_page = feed_page.open_page
open_feed = feed_page.open_feed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio(loop_scope="module"),
]


@pytest_asyncio.fixture(loop_scope="module")
async def people():
    await sync_to_async(StaffFactory)(username="editor")
    await sync_to_async(WatcherFactory)(username="viewer")


async def delete_in_another_tab(page, slug):
    tab = await page.context.new_page()
    await tab.goto(f"/products/{slug}/delete/")
    await tab.get_by_role("button", name="Delete").click()
    await expect(tab.get_by_role("heading", name="Catalog")).to_be_visible()
    await tab.close()


async def test_a_pushed_deletion_row_restores_the_product(open_page, people):
    await sync_to_async(ProductFactory)(name="Blue Mug", sku="MUG-1")
    page = await open_page("editor")
    await open_feed(page)

    await delete_in_another_tab(page, "blue-mug")
    row = page.locator("#feed-rows > .change-deleted").first
    await expect(row).to_contain_text("Blue Mug")
    await row.get_by_role("button", name="Restore Blue Mug").click()

    await expect(page.get_by_role("heading", name="Blue Mug")).to_be_visible()
    assert page.url.endswith("/products/blue-mug/")
    await expect(page.get_by_text("Restored “Blue Mug”.")).to_be_visible()


async def test_revert_from_a_feed_row_and_controls_only_for_who_may(open_page, people):
    product = await sync_to_async(ProductFactory)(name="Red Mug", quantity=5)
    editor = await open_page("editor")
    viewer = await open_page("viewer")
    await editor.goto(f"/products/{product.slug}/edit/")
    await editor.get_by_label("Quantity").fill("3")
    await editor.get_by_role("button", name="Save changes").click()
    await open_feed(viewer)
    await open_feed(editor)

    viewer_row = viewer.locator("#feed-rows > .change-updated").first
    await expect(viewer_row).to_contain_text("Red Mug")
    await expect(viewer_row.get_by_role("link", name="Revert")).to_be_hidden()
    row = editor.locator("#feed-rows > .change-updated").first
    await row.get_by_role("link", name="Revert").click()
    await expect(editor.locator(".revert-plan")).to_contain_text("Quantity")
    await editor.get_by_role("button", name="Revert").click()

    await expect(
        editor.get_by_role("heading", name="History of Red Mug")
    ).to_be_visible()
    await expect(editor.locator(".change-reverts").first).to_contain_text("Reverts")
    await expect(viewer.locator(".change-undone").first).to_contain_text(
        "Reverted by", timeout=5000
    )
