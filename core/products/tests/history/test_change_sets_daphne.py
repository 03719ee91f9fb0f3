"""One committed write is one change set, heard by every listener for every
product in it: a bulk action applied through a real daphne reaches each open
catalog page and each open edit form of each product it changed."""

import asyncio
import re
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from asgiref.sync import sync_to_async
from websockets.asyncio.client import connect

from accounts.tests.factories import StaffFactory
from accounts.tests.test_throttling_daphne import TOKEN, Browser
from products.tests.factories import ProductFactory
from products.tests.sockets import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

FORM_FIELD = re.compile(r'<input type="hidden" name="([^"]+)"(?: value="([^"]*)")?')
CONFIRM_FORM = re.compile(
    r'<form method="post" class="form" action="/products/bulk/".*?</form>', re.S
)


async def open_socket(server, path, cookie=None):
    headers = {"Origin": server.url}
    if cookie:
        headers["Cookie"] = cookie
    return await connect(
        f"ws://127.0.0.1:{server.port}{path}",
        additional_headers=headers,
        open_timeout=10,
        close_timeout=2,
    )


async def open_page(server, path):
    """A catalog page's socket, once it sent the current state (it is then
    subscribed)."""
    socket = await open_socket(server, path)
    await asyncio.wait_for(socket.recv(), 10)
    return socket


async def received_all(socket, expected, seconds=10):
    """Reads until every pattern in ``expected`` has been seen (events may leave
    together as one message); the patterns never seen by the deadline."""
    missing, seen = set(expected), ""
    try:
        async with asyncio.timeout(seconds):
            while missing:
                seen += await socket.recv()
                missing = {pattern for pattern in missing if not pattern.search(seen)}
    except TimeoutError:
        pass
    return missing


def post(browser, path, fields):
    body = urlencode(fields, doseq=True)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return browser.request("POST", path, body, headers)


def bulk_price_cut(server, cookie, products, percent):
    """Staff select ``products`` on the catalog, preview the cut and apply it,
    as a browser does: the write happens in the daphne process."""
    browser = Browser(server)
    browser.cookies.load(cookie)
    _, _, page = browser.request("GET", "/products/")
    _, _, preview = post(
        browser,
        "/products/bulk/",
        {
            "csrfmiddlewaretoken": TOKEN.search(page).group(1),
            "scope": "selected",
            "product": [product.pk for product in products],
            "bulk-action": "price_percent",
            "bulk-percent": str(percent),
        },
    )
    confirm = dict(FORM_FIELD.findall(CONFIRM_FORM.search(preview)[0]))
    status, _, _ = post(browser, "/products/bulk/", confirm)
    assert status == 302


def new_price(pk, text):
    return re.compile(rf'id="product-{pk}-price"[^>]*>{re.escape(text)}<')


def warning_of(pk):
    return re.compile(rf'hx-swap-oob="beforeend:#product-{pk}-edit-warnings"')


async def test_a_bulk_action_reaches_every_open_page_and_form_of_its_products(
    start_daphne,
):
    server = start_daphne()
    products = [
        await sync_to_async(ProductFactory)(name=f"Mug {n}", price=Decimal("10.00"))
        for n in range(3)
    ]
    first, second, third = (product.pk for product in products)
    editor = await sync_to_async(StaffFactory)(username="editor")
    cookie = await sync_to_async(session_cookie)(editor)

    # An edit form's first state is empty, which daphne does not send: the forms
    # open first, and are subscribed by the time the pages have their state.
    forms = {
        product.pk: await open_socket(
            server, f"/ws/products/{product.pk}/edit/", cookie
        )
        for product in products
    }
    listing = await open_page(server, f"/ws/catalog/?p={first}&p={second}&p={third}")
    detail = await open_page(server, f"/ws/catalog/?p={third}")
    sockets = [listing, detail, *forms.values()]
    try:
        await sync_to_async(bulk_price_cut)(server, cookie, products, -10)

        assert not await received_all(
            listing, [new_price(pk, "$9.00") for pk in (first, second, third)]
        )
        assert not await received_all(detail, [new_price(third, "$9.00")])
        for pk, form in forms.items():
            assert not await received_all(form, [warning_of(pk)])
    finally:
        for socket in sockets:
            await socket.close()
