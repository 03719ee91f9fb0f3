"""Live pages in Chromium, two browsers at once (a real daphne): staff change a
product in one, an anonymous visitor's open catalog shows it in the other; staff
save or delete a product another has open in its edit form."""

import re
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from playwright.async_api import expect

from products.tests.browsers import LIVE_WITHIN_MS, socket_open, staff_page
from products.tests.factories import ProductFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio(loop_scope="module"),
]
CATALOG_SOCKET = "[data-live-catalog]"
WARNINGS_SOCKET = "[data-edit-warnings]"


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


# The edit form's conflict warning ----------------------------------------------


async def test_an_open_form_hears_of_a_save_and_a_delete_by_someone_else(
    browser,
):
    product = await sync_to_async(ProductFactory)(
        name="Blue Mug", price=Decimal("15.00"), quantity=4
    )
    alice = await staff_page(browser, "alice")
    await alice.goto(f"/products/{product.slug}/edit/")
    await alice.get_by_label("Name").fill("Blue Mug (large)")
    version = await alice.locator("input[name=version]").input_value()
    await socket_open(alice, WARNINGS_SOCKET)

    bob = await staff_page(browser, "bob")
    await bob.goto(f"/products/{product.slug}/edit/")
    await bob.get_by_label("Price").fill("17.25")
    await bob.get_by_role("button", name="Save changes").click()
    await expect(bob.get_by_text("Saved “Blue Mug”.")).to_be_visible()

    warning = alice.locator(".edit-warning")
    await expect(warning).to_have_text(
        # " to " is for screen readers; the eye sees the arrow.
        re.compile(
            r"bob changed Price \$15\.00 → to\s+\$17\.25 Use their value just now\."
        ),
        timeout=LIVE_WITHIN_MS,
    )
    price_field = alice.locator(".field").filter(has=alice.get_by_label("Price"))
    await expect(price_field).to_have_class("field field-changed-elsewhere")
    # Alice's input and the version her form was loaded at are kept: saving
    # merges with bob's change.
    await expect(alice.get_by_label("Name")).to_have_value("Blue Mug (large)")
    await expect(alice.get_by_label("Price")).to_have_value("15.00")
    await expect(alice.locator("input[name=version]")).to_have_value(version)

    await bob.goto(f"/products/{product.slug}/delete/")
    await bob.get_by_role("button", name="Delete").click()

    await expect(alice.locator(".edit-warning-gone")).to_contain_text(
        "bob deleted this product just now", timeout=LIVE_WITHIN_MS
    )
    await expect(alice.get_by_role("button", name="Save changes")).to_be_disabled()
    await expect(alice.get_by_label("Name")).to_have_value("Blue Mug (large)")


async def test_their_value_can_be_used_before_saving_and_the_rest_merges(browser):
    product = await sync_to_async(ProductFactory)(
        name="Linen Tea Towels", price=Decimal("15.00"), quantity=4, supplier="Acme"
    )
    alice = await staff_page(browser, "alice")
    await alice.goto(f"/products/{product.slug}/edit/")
    await alice.get_by_label("Price").fill("16.00")
    await alice.get_by_label("Quantity").fill("9")
    await socket_open(alice, WARNINGS_SOCKET)

    bob = await staff_page(browser, "bob")
    await bob.goto(f"/products/{product.slug}/edit/")
    await bob.get_by_label("Price").fill("17.25")
    await bob.get_by_label("Supplier").fill("Brill")
    await bob.get_by_role("button", name="Save changes").click()
    await expect(bob.get_by_text("Saved “Linen Tea Towels”.")).to_be_visible()

    use = alice.locator("[data-use-value][data-field=price]")
    await use.click(timeout=LIVE_WITHIN_MS)
    await expect(alice.get_by_label("Price")).to_have_value("17.25")
    await expect(use).to_be_disabled()
    await alice.get_by_role("button", name="Save changes").click()

    await expect(
        alice.get_by_text("Supplier Brill set by bob just now was kept.")
    ).to_be_visible()
    saved = await sync_to_async(type(product).objects.get)(pk=product.pk)
    assert (saved.price, saved.quantity, saved.supplier) == (
        Decimal("17.25"),
        9,
        "Brill",
    )
