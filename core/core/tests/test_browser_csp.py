"""In Chromium, under the Content-Security-Policy, the pages work and the
browser reports no violation (a real daphne, Playwright's async API)."""

from decimal import Decimal

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

# Collected in the page before any of its own scripts run.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest_asyncio.fixture(loop_scope="module")
async def page(module_chromium, module_daphne):
    context = await module_chromium.new_context(base_url=module_daphne.url)
    await context.add_init_script(RECORD_VIOLATIONS)
    page = await context.new_page()
    page.console_messages = []
    page.on("console", lambda message: page.console_messages.append(message.text))
    yield page
    await context.close()


async def violations(page):
    reported = await page.evaluate("window.cspViolations")
    logged = [
        text for text in page.console_messages if "Content Security Policy" in text
    ]
    return reported + logged


async def test_catalog_and_dashboard_load_with_no_csp_violation(page):
    product = await sync_to_async(ProductFactory)(
        name="Blue Mug", price=Decimal("9.99"), quantity=2
    )
    await sync_to_async(StaffFactory)(username="csp-staff")
    seen = []

    await page.goto("/products/")
    await page.get_by_label("Search").fill("Blue")  # an htmx swap, indicator on
    await expect(page).to_have_url("/products/?q=Blue&category=&sort=name")
    await expect(page.get_by_role("link", name="Blue Mug")).to_be_visible()
    seen += await violations(page)

    await page.goto(f"/products/{product.slug}/")
    seen += await violations(page)

    await page.goto("/accounts/login/")
    await page.get_by_label("Username").fill("csp-staff")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Catalog")).to_be_visible()
    seen += await violations(page)

    await page.goto("/dashboard/products/")
    await expect(page.locator("#connection-status")).to_have_attribute(
        "data-state", "connected"
    )
    seen += await violations(page)

    await page.goto(f"/products/{product.slug}/edit/")
    await expect(page.get_by_label("Price")).to_be_visible()
    seen += await violations(page)

    assert seen == []
