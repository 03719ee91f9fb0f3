"""The import and bulk pages on a 390 px phone: nothing wider than the screen,
whatever the preview holds (Chromium against a real daphne)."""

from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from playwright.async_api import expect

from products.tests.browsers import staff_page
from products.tests.factories import CategoryFactory, ProductFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio(loop_scope="module"),
]

PHONE = {"width": 390, "height": 844}
LONG = "Speckledenamelcampingmugwithachipresistantrimandaverylongname"


async def page_width(page):
    return await page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture
async def products():
    def make():
        kitchen = CategoryFactory(name="Kitchen & Dining", slug="kitchen-dining")
        for number in range(3):
            ProductFactory(
                sku=f"KIT-{number}",
                name=f"{LONG}-{number}",
                price=Decimal("12.50"),
                category=kitchen,
            )

    await sync_to_async(make)()


async def test_the_import_page_and_its_preview_fit_a_phone(browser, products, tmp_path):
    page = await staff_page(browser)
    await page.set_viewport_size(PHONE)
    await page.goto("/products/import/")
    await expect(page.get_by_role("heading", name="Import products")).to_be_visible()
    assert await page_width(page) <= PHONE["width"]

    wide = tmp_path / "wide.csv"
    wide.write_text(
        "sku,name,price,expiry_date,barcode-of-the-supplier-as-printed-on-the-box\n"
        f"KIT-0,{LONG},$1.234.567.890.12345,06/07/2027,4006381333931\n"
        f"KIT-1,{LONG}x,13.50,,1\n"
    )
    await page.get_by_label("File (CSV, .xlsx or .ods)").set_input_files(wide)
    await page.get_by_role("button", name="Preview").click()
    await expect(page.locator(".import-errors")).to_contain_text("06/07/2027")
    assert await page_width(page) <= PHONE["width"]

    wide.write_text(f"sku,name,price\nKIT-0,{LONG}{LONG},13.50\n")
    await page.get_by_label("File (CSV, .xlsx or .ods)").set_input_files(wide)
    await page.get_by_role("button", name="Preview").click()
    await expect(page.locator(".import-preview")).to_contain_text("1 to update")
    assert await page_width(page) <= PHONE["width"]


async def test_the_bulk_preview_fits_a_phone(browser, products):
    page = await staff_page(browser)
    await page.set_viewport_size(PHONE)
    await page.goto("/products/")
    assert await page_width(page) <= PHONE["width"]
    await page.get_by_label("Action").select_option(label="Set the quantity")
    await page.get_by_label("Quantity").fill("7")
    await page.get_by_role("button", name="… for the 3 on this page").click()
    await expect(page.locator(".bulk-preview")).to_contain_text("3 to change")
    assert await page_width(page) <= PHONE["width"]
