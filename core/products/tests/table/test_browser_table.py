"""The staff table in Chromium (a real daphne): a change made elsewhere updates
the cell in place, inline edits save with Enter and cancel with Escape, a
refused value shows beside its cell; axe-core finds nothing at 1280 and 390 px."""

import re
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from playwright.async_api import expect

from core.tests.test_browser_accessibility import AXE, WIDTHS
from products.models import Product
from products.tests.browsers import LIVE_WITHIN_MS, socket_open, staff_page
from products.tests.factories import ProductFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio(loop_scope="module"),
]
TABLE_SOCKET = "[data-live-table]"


def watch_console(page):
    """htmx's complaints (a pushed element without a target, a bad swap)."""
    problems = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if "htmx:" in message.text or message.type == "error"
            else None
        ),
    )
    return problems


async def test_a_price_changed_elsewhere_updates_the_cell_in_place(browser):
    product = await sync_to_async(ProductFactory)(
        name="Blue Mug", price=Decimal("15.00"), quantity=40
    )
    alice = await staff_page(browser, "alice")
    problems = watch_console(alice)
    await alice.goto("/products/manage/")
    price = alice.locator(f"#table-{product.pk}-price")
    await expect(price.get_by_role("textbox")).to_have_value("15.00")
    await socket_open(alice, TABLE_SOCKET)

    bob = await staff_page(browser, "bob")
    await bob.goto(f"/products/{product.slug}/edit/")
    await bob.get_by_label("Price").fill("17.25")
    await bob.get_by_label("Quantity").fill("0")
    await bob.get_by_role("button", name="Save changes").click()
    await expect(bob.get_by_text("Saved “Blue Mug”.")).to_be_visible()

    await expect(price.get_by_role("textbox")).to_have_value(
        "17.25", timeout=LIVE_WITHIN_MS
    )
    await expect(price).to_have_class("cell cell-changed")
    quantity = alice.locator(f"#table-{product.pk}-quantity")
    await expect(quantity).to_contain_text("Out of stock")
    # Still one row, in the table, with every cell in place.
    await expect(alice.locator(f"#table-row-{product.pk} td")).to_have_count(12)
    assert problems == []

    await bob.goto(f"/products/{product.slug}/delete/")
    await bob.get_by_role("button", name="Delete").click()
    await expect(alice.locator(f"#table-row-{product.pk}")).to_contain_text(
        "Deleted by bob", timeout=LIVE_WITHIN_MS
    )


async def test_inline_edits_save_with_enter_and_cancel_with_escape(browser):
    product = await sync_to_async(ProductFactory)(
        name="Teapot", price=Decimal("20.00"), quantity=5
    )
    page = await staff_page(browser)
    problems = watch_console(page)
    await page.goto("/products/manage/")
    await socket_open(page, TABLE_SOCKET)
    price = page.get_by_label("Price of Teapot")

    await price.fill("22.50")
    await price.press("Enter")
    await expect(page.locator(f"#table-{product.pk}-price")).to_have_class(
        "cell cell-changed"
    )
    await expect(price).to_have_value("22.50")
    saved = await sync_to_async(Product.objects.get)(pk=product.pk)
    assert saved.price == Decimal("22.50")

    await price.fill("99.00")
    await price.press("Escape")
    await expect(price).to_have_value("22.50")

    quantity = page.get_by_label("Quantity of Teapot")
    await quantity.fill("lots")
    await quantity.press("Enter")
    error = page.locator(f"#table-{product.pk}-quantity-error")
    await expect(error).to_have_text("“lots”: Enter a whole number.")
    await expect(quantity).to_have_value("lots")
    await expect(quantity).to_have_attribute("aria-invalid", "true")
    saved = await sync_to_async(Product.objects.get)(pk=product.pk)
    assert saved.quantity == 5
    assert [p for p in problems if "400" not in p] == []


async def test_ticks_survive_sorting(browser):
    await sync_to_async(ProductFactory.create_batch)(3)
    page = await staff_page(browser)
    await page.goto("/products/manage/")
    first = page.get_by_role("checkbox").first
    await first.check()
    await expect(page.locator("#table-selection-count")).to_have_text("1 selected")
    await page.get_by_role("link", name="Price").click()
    await expect(page).to_have_url(re.compile(r"/products/manage/\?sort=price$"))
    await expect(page.locator("#table-selection-count")).to_have_text("1 selected")
    await expect(page.locator("input[type=checkbox]:checked")).to_have_count(1)
    # The sort control follows the address the header moved to, and Back.
    await expect(page.get_by_label("Sort by")).to_have_value("price")
    await page.go_back()
    await expect(page.get_by_label("Sort by")).to_have_value("name")


@pytest.mark.parametrize("viewport", WIDTHS, ids=["desktop", "phone"])
async def test_the_table_has_no_axe_violations(
    module_chromium, module_daphne, browser, viewport
):
    await sync_to_async(ProductFactory)(
        name="Blue Mug", price=Decimal("12.50"), quantity=2, cost_price=Decimal("3")
    )
    page = await staff_page(browser)
    await page.set_viewport_size(viewport)
    await page.goto("/products/manage/")
    await page.evaluate(AXE)
    results = await page.evaluate("axe.run(document)")
    found = [
        (v["id"], v["help"], [n["html"][:120] for n in v["nodes"][:3]])
        for v in results["violations"]
    ]
    assert found == []


async def test_choosing_a_category_in_a_row_saves_it_and_keeps_the_view(browser):
    from products.tests.factories import CategoryFactory

    kitchen = await sync_to_async(CategoryFactory)(name="Kitchen")
    product = await sync_to_async(ProductFactory)(name="Kettle", category=None)
    page = await staff_page(browser)
    await page.goto("/products/manage/?sort=-price")
    await page.get_by_label("Category of Kettle").select_option(label="Kitchen")
    await expect(page.locator(f"#table-{product.pk}-category")).to_have_class(
        "cell cell-changed"
    )
    saved = await sync_to_async(Product.objects.get)(pk=product.pk)
    assert saved.category_id == kitchen.pk
    # The row's select is not one of the filters: the view stays as it was.
    await expect(page).to_have_url(re.compile(r"/products/manage/\?sort=-price$"))
    await expect(page.locator("#id_category")).to_have_value("")


async def test_a_product_added_elsewhere_is_counted_above_the_table(browser):
    await sync_to_async(ProductFactory)(name="Teapot")
    alice = await staff_page(browser, "alice")
    await alice.goto("/products/manage/")
    await socket_open(alice, TABLE_SOCKET)

    # Made through the site: with the in-memory channel layer, a save in the
    # test process would never reach the server's sockets.
    bob = await staff_page(browser, "bob")
    await bob.goto("/products/create/")
    await bob.get_by_label("Name").fill("Brand New Lamp")
    await bob.get_by_label("SKU").fill("LAMP-NEW-1")
    await bob.get_by_label("Price").fill("30.00")
    await bob.get_by_role("button", name="Create product").click()
    await expect(bob.get_by_role("heading", name="Brand New Lamp")).to_be_visible()

    await expect(alice.locator("#table-added")).to_contain_text(
        "1 new product.", timeout=LIVE_WITHIN_MS
    )
    await alice.get_by_role("link", name="Show them").click()
    await expect(
        alice.get_by_role("link", name="Brand New Lamp", exact=True)
    ).to_be_visible()


async def test_the_bulk_form_shows_only_the_chosen_actions_field(browser):
    await sync_to_async(ProductFactory)()
    page = await staff_page(browser)
    await page.goto("/products/manage/")
    await page.get_by_label("Action").select_option(label="Set the quantity")
    form = page.locator("#table-bulk-form")
    await expect(form.get_by_label("Quantity")).to_be_visible()
    await expect(form.get_by_label("Percent")).to_be_hidden()
    await expect(form.get_by_label("Amount")).to_be_hidden()
    await page.get_by_label("Action").select_option(
        label="Change the price by an amount"
    )
    await expect(form.get_by_label("Amount")).to_be_visible()
    await expect(form.get_by_label("Quantity")).to_be_hidden()
