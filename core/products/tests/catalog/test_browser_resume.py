"""In Chromium: a page's socket keeps the newest point it received, and its
reconnects resume from there rather than from the page's render."""

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from asgiref.sync import sync_to_async
from playwright.async_api import expect

from dashboard.tests.live_server import Daphne
from products.models import ProductChange
from products.tests.browsers import LIVE_WITHIN_MS, socket_open, staff_page
from products.tests.factories import ProductFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio(loop_scope="module"),
]
CATALOG_SOCKET = "[data-live-catalog]"
# A restarted server: the page retries with backoff, so allow a few rounds.
RECONNECT_WITHIN_MS = 30_000


def query_of(url):
    return parse_qs(urlsplit(url).query)


async def test_a_reconnect_resumes_from_the_last_event_received(
    module_chromium, tmp_path
):
    """The server closes the page's socket with 4012 when it stops; the page
    reconnects, asking only for what came after the last event it received."""
    product = await sync_to_async(ProductFactory)(
        name="Blue Mug", price=Decimal("15.00"), quantity=40
    )
    first = Daphne(tmp_path).start()
    second = None
    contexts = []

    async def open_page():
        context = await module_chromium.new_context(base_url=first.url)
        contexts.append(context)
        return await context.new_page()

    try:
        visitor = await open_page()
        sockets = []
        visitor.on("websocket", lambda socket: sockets.append(socket.url))
        await visitor.goto("/products/")
        await socket_open(visitor, CATALOG_SOCKET)
        rendered_at = query_of(sockets[0])["after"]

        staff = await staff_page(open_page)
        await staff.goto(f"/products/{product.slug}/edit/")
        await staff.get_by_label("Price").fill("17.25")
        await staff.get_by_role("button", name="Save changes").click()
        await expect(staff.get_by_text("Saved “Blue Mug”.")).to_be_visible()
        change = await sync_to_async(lambda: ProductChange.objects.latest("pk").pk)()
        assert [str(change)] != rendered_at

        price = visitor.locator(f"#product-{product.pk}-price")
        await expect(price).to_have_text("$17.25", timeout=LIVE_WITHIN_MS)
        await expect(visitor.locator(CATALOG_SOCKET)).to_have_attribute(
            "data-live-after", str(change)
        )

        first.stop()  # 4012 to every socket
        await expect(visitor.locator(CATALOG_SOCKET)).to_have_attribute(
            "data-live-state", "reconnecting"
        )
        second = Daphne(tmp_path, port=first.port).start()
        await expect(visitor.locator(CATALOG_SOCKET)).to_have_attribute(
            "data-live-state", "connected", timeout=RECONNECT_WITHIN_MS
        )
        resumed = query_of(sockets[-1])
        assert resumed["after"] == [str(change)]
        assert resumed["p"] == [str(product.pk)]
        assert resumed["listing"] == ["1"]
    finally:
        for context in contexts:
            await context.close()
        first.stop()
        if second is not None:
            second.stop()
