"""An import in Chromium, from the upload to the entry on a live feed (a real
daphne)."""

from decimal import Decimal
from pathlib import Path

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from playwright.async_api import expect

from accounts.tests.factories import PASSWORD, StaffFactory
from products.tests.factories import CategoryFactory, ProductFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio(loop_scope="module"),
]

EXAMPLE = Path(__file__).resolve().parents[4] / "docs" / "examples" / "products.csv"


@pytest_asyncio.fixture(loop_scope="module")
async def signed_in(module_chromium, module_daphne):
    """``await signed_in()`` -> a page of a fresh context, logged in as alice."""
    await sync_to_async(StaffFactory)(username="alice")
    contexts = []

    async def open_page():
        context = await module_chromium.new_context(base_url=module_daphne.url)
        contexts.append(context)
        page = await context.new_page()
        await page.goto("/accounts/login/")
        await page.get_by_label("Username").fill("alice")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Log in").click()
        await expect(page.get_by_role("heading", name="Catalog")).to_be_visible()
        return page

    yield open_page
    for context in contexts:
        await context.close()


@pytest_asyncio.fixture(loop_scope="module")
async def demo_catalog():
    def make():
        kitchen = CategoryFactory(name="Kitchen & Dining", slug="kitchen-dining")
        CategoryFactory(name="Home Office", slug="home-office")
        ProductFactory(
            sku="KIT-1001",
            name="Enamel Camping Mug",
            price=Decimal("12.50"),
            quantity=48,
            category=kitchen,
            supplier="Northfield Housewares",
            description="Speckled enamel mug, 350 ml, chip-resistant rim.",
        )

    await sync_to_async(make)()


async def test_an_import_from_upload_to_one_live_feed_entry(signed_in, demo_catalog):
    feed = await signed_in()
    await feed.goto("/dashboard/products/")
    await expect(feed.locator("#connection-status")).to_have_attribute(
        "data-state", "connected"
    )
    importer = await signed_in()
    await importer.goto("/products/import/")

    await importer.get_by_label("File (CSV, .xlsx or .ods)").set_input_files(EXAMPLE)
    await importer.get_by_role("button", name="Preview").click()
    preview = importer.locator(".import-preview")
    await expect(preview).to_contain_text("3 to create, 1 to update, 0 unchanged.")
    await expect(preview.locator("del.old").first).to_have_text("$12.50")
    await importer.get_by_role("button", name="Import products.csv").click()
    done = importer.locator(".message-success")
    await expect(done.locator(".message-text")).to_have_text(
        "Imported products.csv: 1 updated, 3 created."
    )
    await expect(done.get_by_role("button", name="Undo")).to_be_visible()

    entry = feed.locator("#feed-rows > .change-batch")
    await expect(entry).to_have_count(1)
    await expect(entry.locator(".change-batch-title")).to_have_text(
        "alice imported products.csv: 1 updated, 3 created"
    )
    # One entry for the whole file: no row per product beside it.
    await expect(feed.locator("#feed-rows > .change")).to_have_count(2)
    await entry.locator("summary").click()
    await expect(entry.locator(".change-list > li")).to_have_count(4)
    await expect(entry.locator("ins.new").first).to_have_text("$13.50")
