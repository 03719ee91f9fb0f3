"""Live pages in Chromium, two browsers at once (a real daphne): staff change a
product in one, an anonymous visitor's open catalog shows it in the other."""

from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from playwright.async_api import expect

from .browsers import LIVE_WITHIN_MS, socket_open, staff_page
from .factories import ProductFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio(loop_scope="module"),
]
CATALOG_SOCKET = "[data-live-catalog]"


async def test_a_price_changed_by_staff_shows_on_an_anonymous_catalog(browser):
    product = await sync_to_async(ProductFactory)(
        name="Blue Mug", price=Decimal("15.00"), quantity=40
    )
    visitor = await browser()
    await visitor.goto("/products/")
    price = visitor.locator(f"#product-{product.pk}-price")
    await expect(price).to_have_text("$15.00")
    await socket_open(visitor, CATALOG_SOCKET)

    staff = await staff_page(browser)
    await staff.goto(f"/products/{product.slug}/edit/")
    await staff.get_by_label("Price").fill("17.25")
    await staff.get_by_label("Quantity").fill("0")
    await staff.get_by_role("button", name="Save changes").click()
    await expect(staff.get_by_text("Saved “Blue Mug”.")).to_be_visible()

    await expect(price).to_have_text("$17.25", timeout=LIVE_WITHIN_MS)
    stock = visitor.locator(f"#product-{product.pk}-stock")
    await expect(stock).to_have_text("Out of stock", timeout=LIVE_WITHIN_MS)


async def test_an_open_product_page_says_when_the_product_is_deleted(browser):
    product = await sync_to_async(ProductFactory)(name="Old Lamp")
    visitor = await browser()
    await visitor.goto(f"/products/{product.slug}/")
    await socket_open(visitor, CATALOG_SOCKET)

    staff = await staff_page(browser)
    await staff.goto(f"/products/{product.slug}/delete/")
    await staff.get_by_role("button", name="Delete").click()

    await expect(
        visitor.get_by_role("status").filter(has_text="No longer available.")
    ).to_be_visible(timeout=LIVE_WITHIN_MS)


async def test_a_new_product_is_announced_on_an_open_listing(browser):
    await sync_to_async(ProductFactory)(name="Teapot")
    visitor = await browser()
    await visitor.goto("/products/")
    await socket_open(visitor, CATALOG_SOCKET)

    # Made through the site: with the in-memory channel layer, a save in the
    # test process would never reach the server's sockets.
    staff = await staff_page(browser)
    await staff.goto("/products/create/")
    await staff.get_by_label("Name").fill("Brand New Lamp")
    await staff.get_by_label("SKU").fill("LAMP-NEW-1")
    await staff.get_by_label("Price").fill("30.00")
    await staff.get_by_role("button", name="Create product").click()
    await expect(staff.get_by_role("heading", name="Brand New Lamp")).to_be_visible()

    hint = visitor.get_by_role("link", name="Show the current catalog")
    await expect(hint).to_be_visible(timeout=LIVE_WITHIN_MS)
    await expect(visitor.get_by_text("Brand New Lamp")).to_have_count(0)
    await hint.click()
    await expect(visitor.get_by_text("Brand New Lamp")).to_be_visible()
