"""axe-core finds no violations on our own pages (Chromium, a real daphne)."""

from decimal import Decimal
from pathlib import Path

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from conftest import make_image_bytes
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.async_api import expect

from accounts.tests.factories import PASSWORD, StaffFactory
from products.tests.factories import ProductFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio(loop_scope="module"),
]

AXE = (Path(__file__).parent / "data" / "axe.min.js").read_text()
WIDTHS = [{"width": 1280, "height": 800}, {"width": 390, "height": 844}]


async def axe_violations(page):
    """Rule id, help and the first offending elements of each violation."""
    # Evaluated by the browser's debugging protocol: the page's CSP, which
    # forbids inline scripts, does not apply to it.
    await page.evaluate(AXE)
    results = await page.evaluate("axe.run(document)")
    return [
        (
            violation["id"],
            violation["help"],
            [node["html"][:120] for node in violation["nodes"][:3]],
        )
        for violation in results["violations"]
    ]


@pytest_asyncio.fixture(loop_scope="module")
async def product(module_daphne):
    def make():
        StaffFactory(username="editor")
        return ProductFactory(
            name="Blue Mug",
            price=Decimal("12.50"),
            quantity=2,
            image=SimpleUploadedFile("mug.png", make_image_bytes(), "image/png"),
        )

    return await sync_to_async(make)()


@pytest.mark.parametrize("viewport", WIDTHS, ids=["desktop", "phone"])
async def test_our_pages_have_no_axe_violations(
    module_chromium, module_daphne, product, viewport
):
    context = await module_chromium.new_context(
        base_url=module_daphne.url, viewport=viewport
    )
    page = await context.new_page()
    found = {}
    try:
        await page.goto("/accounts/login/")
        found["login"] = await axe_violations(page)
        await page.get_by_label("Username").fill("editor")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Log in").click()
        await expect(page.get_by_role("heading", name="Catalog")).to_be_visible()
        found["catalog"] = await axe_violations(page)

        for name, url in [
            ("product", product.get_absolute_url()),
            ("edit form", f"/products/{product.slug}/edit/"),
            ("new product form", "/products/create/"),
        ]:
            await page.goto(url)
            found[name] = await axe_violations(page)

        await page.goto("/dashboard/products/")
        await expect(page.locator("#connection-status")).to_have_attribute(
            "data-state", "connected"
        )
        found["dashboard"] = await axe_violations(page)
    finally:
        await context.close()

    assert {name: issues for name, issues in found.items() if issues} == {}
