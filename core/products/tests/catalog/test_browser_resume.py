"""In Chromium: a page's socket keeps the newest point it received, and its
reconnects resume from there rather than from the page's render."""

from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from playwright.async_api import expect

from products.models import ProductChange
from products.tests.browsers import LIVE_WITHIN_MS, socket_open, staff_page
from products.tests.factories import ProductFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio(loop_scope="module"),
]
CATALOG_SOCKET = "[data-live-catalog]"

# The URL the page's next reconnect would open (the ws extension creates every
# socket of an element through htmx.createWebSocket with the element's URL).
RECONNECT_URL = """(selector) => {
  const element = document.querySelector(selector);
  const socket = htmx.createWebSocket(
    "ws://" + location.host + element.getAttribute("ws-connect"));
  const url = socket.url;
  socket.close();
  return url;
}"""


async def test_a_reconnect_resumes_from_the_last_event_received(browser):
    product = await sync_to_async(ProductFactory)(
        name="Blue Mug", price=Decimal("15.00"), quantity=40
    )
    visitor = await browser()
    await visitor.goto("/products/")
    await socket_open(visitor, CATALOG_SOCKET)
    rendered_at = await visitor.locator(CATALOG_SOCKET).get_attribute("ws-connect")
    assert "after=" in rendered_at

    staff = await staff_page(browser)
    await staff.goto(f"/products/{product.slug}/edit/")
    await staff.get_by_label("Price").fill("17.25")
    await staff.get_by_role("button", name="Save changes").click()
    await expect(staff.get_by_text("Saved “Blue Mug”.")).to_be_visible()
    change = await sync_to_async(lambda: ProductChange.objects.latest("pk").pk)()

    price = visitor.locator(f"#product-{product.pk}-price")
    await expect(price).to_have_text("$17.25", timeout=LIVE_WITHIN_MS)
    await expect(visitor.locator(CATALOG_SOCKET)).to_have_attribute(
        "data-live-after", str(change)
    )
    url = await visitor.evaluate(RECONNECT_URL, CATALOG_SOCKET)
    assert f"after={change}" in url
    assert f"p={product.pk}" in url
