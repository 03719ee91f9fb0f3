"""Security headers: a Content-Security-Policy on every page, and staff pages
kept out of every cache."""

import re
from pathlib import Path

import pytest

from products.tests.factories import ProductFactory

TEMPLATE_DIRS = [
    Path(__file__).resolve().parents[2] / name for name in ("templates", "jinja2")
]


def directives(response):
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (
            part.split() for part in policy.split(";") if part.strip()
        )
    }


@pytest.fixture
def product(db):
    return ProductFactory(name="Blue Mug")


@pytest.mark.parametrize(
    "url",
    ["/products/", "/products/blue-mug/", "/accounts/login/", "/healthz", "/nowhere/"],
)
def test_every_page_has_a_strict_content_security_policy(client, product, url):
    policy = directives(client.get(url))
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]  # includes ws:// to this origin
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/products/",
        "/products/create/",
        "/products/blue-mug/edit/",
        "/products/blue-mug/delete/",
    ],
)
def test_staff_pages_are_never_cached(superuser_client, product, url):
    response = superuser_client.get(url)
    assert response.status_code == 200
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control
    assert directives(response)["script-src"] == ["'self'"]


def test_the_public_catalog_stays_cacheable(client, product):
    assert "no-store" not in client.get("/products/").get("Cache-Control", "")


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


@pytest.mark.parametrize(
    "template",
    sorted(path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html")),
    ids=lambda path: path.name,
)
def test_no_template_needs_inline_script_or_style(template):
    text = template.read_text()
    found = [what for pattern, what in INLINE if pattern.search(text)]
    assert (
        not found
    ), f"{template.relative_to(TEMPLATE_DIRS[0].parent)} has {', '.join(found)}"
