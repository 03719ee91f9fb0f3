"""In Chromium: every page opens at most one WebSocket, which carries every live
stream the page shows (core/routing.py, static/js/live_socket.js).

Sockets are counted twice: by Chromium's DevTools protocol (Playwright's
``websocket`` event) and by the page itself (each ``new WebSocket`` recorded
before any of its scripts run), so a page that should open none is known to
have opened none once it has loaded, without waiting for time to pass."""

import asyncio
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from playwright.async_api import expect

from accounts.tests.factories import StaffFactory
from products.tests.factories import ProductFactory
from products.tests.sockets import session_cookie

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio(loop_scope="module"),
]

LIVE = 3000  # ms: a change made elsewhere shows within this
SEEN_WITHIN = 5.0  # s: the DevTools protocol reports a socket the page opened

RECORD_SOCKETS = """
window.socketsOpened = [];
const NativeWebSocket = window.WebSocket;
window.WebSocket = function (url, protocols) {
  window.socketsOpened.push(String(url));
  return protocols === undefined
    ? new NativeWebSocket(url)
    : new NativeWebSocket(url, protocols);
};
window.WebSocket.prototype = NativeWebSocket.prototype;
Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
"""


@pytest_asyncio.fixture(loop_scope="module")
async def open_page(module_chromium, module_daphne):
    """``await open_page(user=None)`` -> a page of a fresh context, logged in as
    ``user`` when given (a session cookie: no page of its own opened a socket
    before the test's), its sockets listed in ``page.sockets`` (by DevTools)."""
    contexts = []

    async def open_one(user=None):
        context = await module_chromium.new_context(base_url=module_daphne.url)
        contexts.append(context)
        await context.add_init_script(RECORD_SOCKETS)
        if user is not None:
            name, value = (await sync_to_async(session_cookie)(user)).split("=", 1)
            await context.add_cookies(
                [{"name": name, "value": value, "url": module_daphne.url}]
            )
        page = await context.new_page()
        page.sockets = []
        page.on("websocket", lambda socket: page.sockets.append(socket.url))
        return page

    yield open_one
    for context in contexts:
        await context.close()


def path_of(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def sockets_of(page, path, live=True):
    """The paths (and queries) of the sockets ``page`` opened loading ``path``:
    once its socket is open (``live``) or once it has loaded, and DevTools has
    reported as many sockets as the page counted itself."""
    before = len(page.sockets)  # every earlier page's, reported (below)
    await page.goto(path)
    if live:
        await expect(page.locator("[data-live-socket]")).to_have_attribute(
            "data-live-state", "connected"
        )
    opened = await page.evaluate("window.socketsOpened")
    deadline = asyncio.get_running_loop().time() + SEEN_WITHIN
    while len(page.sockets) - before < len(opened):
        assert asyncio.get_running_loop().time() < deadline, (opened, page.sockets)
        await asyncio.sleep(0.05)
    reported = page.sockets[before:]
    assert sorted(reported) == sorted(opened)
    return [path_of(url) for url in reported]


@pytest_asyncio.fixture(loop_scope="module")
async def staff():
    return await sync_to_async(StaffFactory)(username="pages", first_name="Paula")


@pytest_asyncio.fixture(loop_scope="module")
async def product():
    return await sync_to_async(ProductFactory)(
        name="Blue Mug", price=Decimal("15.00"), quantity=40
    )


async def test_each_staff_page_opens_one_socket(open_page, staff, product):
    page = await open_page(staff)

    [feed] = await sockets_of(page, "/dashboard/products/")
    assert feed.startswith("/ws/products/?after=")
    [detail] = await sockets_of(page, f"/products/{product.slug}/")
    assert detail.startswith(f"/ws/products/{product.pk}/?p={product.pk}&after=")
    [form] = await sockets_of(page, f"/products/{product.slug}/edit/")
    assert form.startswith(f"/ws/products/{product.pk}/edit/?after=")
    [table] = await sockets_of(page, "/products/manage/")
    assert table.startswith("/ws/products/table/?listing=1&p=")
    [listing] = await sockets_of(page, "/products/")
    assert listing.startswith("/ws/catalog/?listing=1&p=")


async def test_each_public_page_opens_one_socket(open_page, product):
    page = await open_page()
    [listing] = await sockets_of(page, "/products/")
    assert listing.startswith(f"/ws/catalog/?listing=1&p={product.pk}&after=")
    [detail] = await sockets_of(page, f"/products/{product.slug}/")
    assert detail.startswith(f"/ws/catalog/?p={product.pk}&after=")


async def test_pages_without_live_updates_open_none(open_page, staff, product):
    page = await open_page(staff)
    for path in (
        "/products/create/",
        f"/products/{product.slug}/history/",
        "/dashboard/products/?before=1",
        "/products/import/",
    ):
        assert await sockets_of(page, path, live=False) == [], path
    visitor = await open_page()
    assert await sockets_of(visitor, "/accounts/login/", live=False) == []


async def test_a_staff_product_page_hears_presence_and_prices_on_its_one_socket(
    open_page, staff, product
):
    viewer = await open_page(staff)
    assert len(await sockets_of(viewer, f"/products/{product.slug}/")) == 1
    editor_user = await sync_to_async(StaffFactory)(username="ed", first_name="Ed")
    editor = await open_page(editor_user)
    assert len(await sockets_of(editor, f"/products/{product.slug}/edit/")) == 1

    await expect(viewer.locator("#presence")).to_contain_text(
        "Ed is editing", timeout=LIVE
    )
    await expect(editor.locator("#presence")).to_contain_text(
        "Paula is viewing", timeout=LIVE
    )
    await editor.get_by_label("Price").fill("17.25")
    await editor.get_by_role("button", name="Save changes").click()
    await expect(editor.get_by_text("Saved “Blue Mug”.")).to_be_visible()
    price = viewer.locator(f"#product-{product.pk}-price")
    await expect(price).to_have_text("$17.25", timeout=LIVE)
    assert len(viewer.sockets) == 1  # nothing more was opened for either


async def test_logging_out_keeps_the_product_page_live_on_the_public_socket(
    open_page, staff, product
):
    """The staff part of the page's socket ends with the session (4403); the
    page goes on with the public socket, as a visitor's would."""
    viewer = await open_page(staff)
    [staff_socket] = await sockets_of(viewer, f"/products/{product.slug}/")
    editor_user = await sync_to_async(StaffFactory)(username="ed2", first_name="Ed")
    editor = await open_page(editor_user)
    await editor.goto(f"/products/{product.slug}/edit/")
    await expect(viewer.locator("#presence")).to_contain_text(
        "Ed is editing", timeout=LIVE
    )

    other_tab = await viewer.context.new_page()
    await other_tab.goto("/products/")
    await other_tab.get_by_role("button", name=f"Log out {staff.username}").click()
    await expect(other_tab.get_by_role("link", name="Log in")).to_be_visible()

    socket = viewer.locator("[data-live-socket]")
    await expect(viewer.locator("#presence")).to_be_empty(timeout=LIVE)
    await expect(socket).to_have_attribute("data-live-state", "connected")
    # The staff socket, then the public one, resuming from the page's point.
    assert [urlsplit(url).path for url in viewer.sockets] == [
        f"/ws/products/{product.pk}/",
        "/ws/catalog/",
    ]
    assert "after=" in urlsplit(viewer.sockets[1]).query

    await editor.get_by_label("Price").fill("18.50")
    await editor.get_by_role("button", name="Save changes").click()
    await expect(editor.get_by_text("Saved “Blue Mug”.")).to_be_visible()
    price = viewer.locator(f"#product-{product.pk}-price")
    await expect(price).to_have_text("$18.50", timeout=LIVE)
    assert staff_socket.startswith(f"/ws/products/{product.pk}/")
