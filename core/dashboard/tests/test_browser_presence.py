"""End to end in Chromium: two staff browsers on one product see each other
arrive and leave, and the dashboard shows who is watching."""

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from playwright.async_api import expect

from accounts.tests.factories import StaffFactory
from products.tests.factories import ProductFactory

from .test_browser import logged_in_page, open_dashboard

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio(loop_scope="module"),
]

ARRIVE = 2000  # ms: someone who arrives shows within this
LEAVE = 10000  # ms: someone whose tab closed is gone within this


@pytest.fixture
def server(module_daphne):
    return module_daphne


@pytest_asyncio.fixture(loop_scope="module")
async def browser(module_chromium):
    yield module_chromium
    for context in list(module_chromium.contexts):
        await context.close()


@pytest.fixture
async def alice_and_bob():
    alice = await sync_to_async(StaffFactory)(username="alice", first_name="Alice")
    bob = await sync_to_async(StaffFactory)(username="bob", first_name="Bob")
    return alice, bob


async def test_who_else_is_on_a_product_appears_then_goes_with_the_tab(
    browser, server, alice_and_bob
):
    alice, bob = alice_and_bob
    product = await sync_to_async(ProductFactory)(name="Blue Mug")
    editor = await logged_in_page(browser, server, alice)
    await editor.goto(f"/products/{product.slug}/edit/")
    presence = editor.locator("#presence")
    herself = presence.get_by_text("Alice is editing")
    await expect(herself).to_have_count(1)  # the socket's state arrived
    await expect(herself).to_be_hidden()  # a page leaves out its own user

    viewer = await logged_in_page(browser, server, bob)
    await viewer.goto(f"/products/{product.slug}/")
    await expect(presence.get_by_text("Bob is viewing")).to_be_visible(timeout=ARRIVE)
    await expect(viewer.locator("#presence")).to_contain_text(
        "Alice is editing", timeout=ARRIVE
    )

    await viewer.context.close()
    await expect(presence.get_by_text("Bob is viewing")).to_have_count(0, timeout=LEAVE)
    # The form is as it was: presence never touches what is typed.
    await expect(editor.get_by_label("Name")).to_have_value("Blue Mug")


async def test_the_dashboard_shows_who_is_watching(browser, server, alice_and_bob):
    alice, bob = alice_and_bob
    first = await logged_in_page(browser, server, alice)
    await open_dashboard(first)
    second = await logged_in_page(browser, server, bob)
    await open_dashboard(second)
    await expect(first.locator("#feed-presence")).to_contain_text(
        "Bob is watching", timeout=ARRIVE
    )
    await second.context.close()
    await expect(first.locator("#feed-presence")).not_to_contain_text(
        "Bob", timeout=LEAVE
    )
