"""The catalog, product page and product form in Chromium: history, failures,
pagination, keyboard focus, long words, the image field (a real daphne)."""

from decimal import Decimal

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from conftest import make_image_bytes
from playwright.async_api import expect

from accounts.tests.factories import PASSWORD, StaffFactory
from products.tests.factories import CategoryFactory, ProductFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio(loop_scope="module"),
]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
LONG = "Supercalifragilisticexpialidocious" * 5


@pytest_asyncio.fixture(loop_scope="module")
async def browser(module_chromium, module_daphne):
    """``await browser(**context_options)`` -> a page of a fresh context."""
    contexts = []

    async def open_page(**options):
        options.setdefault("viewport", DESKTOP)
        context = await module_chromium.new_context(
            base_url=module_daphne.url, **options
        )
        contexts.append(context)
        return await context.new_page()

    yield open_page
    for context in contexts:
        await context.close()


@pytest_asyncio.fixture(loop_scope="module")
async def kitchen_and_garden():
    def make():
        kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
        garden = CategoryFactory(name="Garden", slug="garden")
        ProductFactory(name="Bamboo Board", category=kitchen)
        ProductFactory(name="Bamboo Rake", category=garden)
        ProductFactory(name="Blue Mug", category=kitchen)
        ProductFactory(name="Lamp", category=garden)

    await sync_to_async(make)()


async def log_in(page, username):
    await page.goto("/accounts/login/")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Catalog")).to_be_visible()


def card_names(page):
    return page.locator(".card-title")


async def expect_controls(page, q, category, sort="name"):
    await expect(page.get_by_label("Search")).to_have_value(q)
    await expect(page.get_by_label("Category")).to_have_value(category)
    await expect(page.get_by_label("Sort by")).to_have_value(sort)


# History ---------------------------------------------------------------------


async def test_back_and_forward_bring_back_the_controls_with_the_results(
    browser, kitchen_and_garden
):
    page = await browser()
    await page.goto("/products/")
    await page.get_by_label("Category").select_option("kitchen")
    await expect(page).to_have_url("/products/?q=&category=kitchen&sort=name")
    await page.get_by_label("Search").fill("bamboo")
    await expect(page).to_have_url("/products/?q=bamboo&category=kitchen&sort=name")
    await expect(card_names(page)).to_have_text(["Bamboo Board"])

    await page.go_back()
    await expect(page).to_have_url("/products/?q=&category=kitchen&sort=name")
    await expect_controls(page, "", "kitchen")
    await expect(card_names(page)).to_have_text(["Bamboo Board", "Blue Mug"])

    await page.go_back()
    await expect_controls(page, "", "")
    await expect(card_names(page)).to_have_count(4)

    await page.go_forward()
    await page.go_forward()
    await expect(page).to_have_url("/products/?q=bamboo&category=kitchen&sort=name")
    await expect_controls(page, "bamboo", "kitchen")
    await expect(card_names(page)).to_have_text(["Bamboo Board"])

    # The next change keeps the restored filters.
    await page.get_by_label("Sort by").select_option("-name")
    await expect(page).to_have_url("/products/?q=bamboo&category=kitchen&sort=-name")
    await expect(card_names(page)).to_have_text(["Bamboo Board"])


async def test_a_search_typed_in_pauses_is_one_history_entry_and_leaving_the_box_sends_nothing(  # noqa: E501
    browser, kitchen_and_garden
):
    page = await browser()
    await page.goto("/products/")
    searches = []
    page.on(
        "request",
        lambda request: "/products/?" in request.url and searches.append(request.url),
    )
    entries = await page.evaluate("history.length")

    box = page.get_by_label("Search")
    for typed in ["l", "la", "lam", "lamp"]:
        await box.fill(typed)
        await expect(page).to_have_url(f"/products/?q={typed}&category=&sort=name")
    await expect(card_names(page)).to_have_text(["Lamp"])
    await expect(page.get_by_role("status")).to_have_text("1 product matching “lamp”")
    assert await page.evaluate("history.length") == entries + 1
    assert len(searches) == 4

    await box.press("Tab")  # leave the box
    await page.wait_for_timeout(600)
    assert len(searches) == 4

    # Back leaves the search as a whole.
    await page.go_back()
    await expect(page).to_have_url("/products/")
    await expect_controls(page, "", "")


# Failures --------------------------------------------------------------------

DEBUG_PAGE = (
    "<!DOCTYPE html><html><head><title>OperationalError at /products/</title>"
    "</head><body><h1>OperationalError</h1><p>Traceback…</p></body></html>"
)


@pytest.mark.parametrize("failure", ["server error", "no connection"])
async def test_a_failed_search_says_so_and_keeps_the_page(
    browser, kitchen_and_garden, failure
):
    page = await browser()
    await page.goto("/products/")
    await expect(card_names(page)).to_have_count(4)

    async def fail(route):
        if route.request.headers.get("hx-request") != "true":
            await route.continue_()
        elif failure == "server error":  # what DEBUG's technical page looks like
            await route.fulfill(status=500, body=DEBUG_PAGE, content_type="text/html")
        else:
            await route.abort("connectionrefused")

    await page.route("**/products/?*", fail)
    await page.get_by_label("Search").fill("lamp")

    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("The products could not be loaded")
    await expect(card_names(page)).to_have_count(0)  # no results for another query
    await expect(page.get_by_role("heading", name="Catalog")).to_be_visible()
    await expect(page.get_by_text("OperationalError")).to_have_count(0)
    await expect(page).to_have_title("Catalog · Shop Manager")
    await expect(page).to_have_url("/products/?q=lamp&category=&sort=name")
    await expect_controls(page, "lamp", "")

    await page.unroute("**/products/?*")
    await alert.get_by_role("link", name="Try again").click()
    await expect(card_names(page)).to_have_text(["Lamp"])
    await expect_controls(page, "lamp", "")


# Pagination ------------------------------------------------------------------


async def test_next_page_moves_focus_to_the_results_and_names_the_page(browser):
    await sync_to_async(ProductFactory.create_batch)(14)
    page = await browser()
    await page.goto("/products/")
    next_link = page.get_by_role("link", name="Next →")
    await next_link.scroll_into_view_if_needed()

    await next_link.click()

    heading = page.locator("#results-heading")
    await expect(heading).to_contain_text("14 products, page 2 of 2")
    await expect(heading).to_be_focused()
    await expect(page).to_have_title("Catalog, page 2 of 2 · Shop Manager")
    await expect(page).to_have_url("/products/?page=2")
    top = await heading.evaluate("element => element.getBoundingClientRect().top")
    assert 0 <= top < DESKTOP["height"] / 2


# Look ------------------------------------------------------------------------


def contrast(first, second):
    """WCAG contrast ratio of two "rgb(r, g, b)" colours."""

    def luminance(colour):
        channels = [int(part) / 255 for part in colour[4:-1].split(",")[:3]]
        linear = [
            c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
            for c in channels
        ]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted([luminance(first), luminance(second)], reverse=True)
    return (high + 0.05) / (low + 0.05)


async def test_keyboard_focus_on_a_product_card_is_plain_to_see(browser):
    await sync_to_async(ProductFactory)(name="Blue Mug")
    page = await browser()
    await page.goto("/products/")
    card = page.locator(".card-link").first

    for _ in range(20):
        await page.keyboard.press("Tab")
        if await card.evaluate("link => link === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the product card")

    style = await card.evaluate("""link => {
          const style = getComputedStyle(link);
          const box = link.getBoundingClientRect();
          return {outline: style.outlineStyle, width: style.outlineWidth,
                  colour: style.outlineColor, height: box.height,
                  card: getComputedStyle(link.closest('.card')).backgroundColor};
        }""")
    assert style["outline"] == "solid" and style["width"] == "3px"
    assert style["height"] > 150  # around the picture and the name, not a sliver
    assert contrast(style["colour"], style["card"]) >= 3


async def test_field_borders_and_the_low_stock_badge_are_readable(browser):
    await sync_to_async(ProductFactory)(name="Blue Mug", quantity=2)
    page = await browser()
    await page.goto("/products/")

    border, field = await page.get_by_label("Search").evaluate(
        "input => [getComputedStyle(input).borderTopColor,"
        " getComputedStyle(input).backgroundColor]"
    )
    ink, paper = await page.locator(".badge-low").evaluate(
        "badge => [getComputedStyle(badge).color,"
        " getComputedStyle(badge).backgroundColor]"
    )
    assert contrast(border, field) >= 3
    assert contrast(ink, paper) >= 4.5


async def test_long_unbroken_words_do_not_widen_any_page(browser):
    def make():
        StaffFactory(username="editor")
        return ProductFactory(
            name=LONG[:200],
            sku="X" * 64,
            supplier="S" * 200,
            description="D" * 500,
            category=CategoryFactory(name="C" * 100),
        )

    product = await sync_to_async(make)()
    page = await browser()
    await log_in(page, "editor")

    for url in [
        "/products/",
        product.get_absolute_url(),
        f"/products/{product.slug}/edit/",
        "/dashboard/products/",
    ]:
        await page.goto(url)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width == DESKTOP["width"], url

    # The full name is still there: wrapped on its page, a tooltip on its card.
    await page.goto(product.get_absolute_url())
    await expect(page.get_by_role("heading", level=1)).to_have_text(LONG[:200])
    await page.goto("/products/")
    await expect(page.locator(".card-link")).to_have_attribute("title", LONG[:200])


async def test_a_large_stock_value_fits_its_counter_on_a_phone(browser):
    def make():
        StaffFactory(username="editor")
        ProductFactory(price=Decimal("2.70"), quantity=100_010)  # $270,027.00
        ProductFactory(price=Decimal("0.70"), quantity=1)

    await sync_to_async(make)()
    # Without the script: the socket would replace the counters while measured.
    page = await browser(viewport=PHONE, java_script_enabled=False)
    await log_in(page, "editor")
    await page.goto("/dashboard/products/")

    value = page.locator("#counter-value")
    await expect(value).to_have_text("$270,027.70")
    fits = await value.evaluate("""value => {
          const box = value.closest('.counter').getBoundingClientRect();
          const text = document.createRange();
          text.selectNodeContents(value);
          const rects = [...text.getClientRects()];
          return value.scrollWidth <= value.clientWidth && rects.length === 1
            && rects[0].right <= box.right;
        }""")
    assert fits
    assert await page.evaluate("document.documentElement.scrollWidth") == 390


# The image field ---------------------------------------------------------------


async def test_a_chosen_image_is_previewed_before_saving(browser):
    def make():
        StaffFactory(username="editor")
        return ProductFactory(name="Blue Mug")

    product = await sync_to_async(make)()
    page = await browser()
    await log_in(page, "editor")
    await page.goto(f"/products/{product.slug}/edit/")
    preview = page.get_by_role("img", name="Preview of the chosen image")
    await expect(preview).to_be_hidden()

    await page.get_by_label("Image").set_input_files(
        {
            "name": "mug.png",
            "mimeType": "image/png",
            "buffer": make_image_bytes("PNG", size=(40, 30)),
        }
    )

    await expect(preview).to_be_visible()
    await expect(page.get_by_text("Added when you save: mug.png")).to_be_visible()
    assert await preview.evaluate("img => img.naturalWidth") == 40  # CSP allows it

    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_text("Saved “Blue Mug”.")).to_be_visible()
    await page.goto(f"/products/{product.slug}/edit/")
    await expect(page.get_by_role("img", name="The current image")).to_be_visible()
    await page.get_by_label("Remove image").check()
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_text("Saved “Blue Mug”.")).to_be_visible()
    await expect(page.locator(".product-detail img")).to_have_attribute(
        "src", "/static/img/placeholder.svg"
    )
