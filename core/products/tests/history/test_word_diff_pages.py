"""The word diff of a long text where people read changes: the feed row (as
pushed), the product's timeline, the 409 page and the "Full values" page."""

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from dashboard.fragments import render_event
from live.protocol import MAX_FRAME_BYTES, frame_size
from products.models import ProductChange
from products.tests.factories import ProductFactory
from products.tests.helpers import edit

pytestmark = pytest.mark.django_db

DESCRIPTION = (
    "Soft cotton towel, 50 by 70 centimetres, dyed with plant colours, woven in "
    "Portugal from yarn spun in the same valley for three generations, hemmed by "
    "hand, and machine washable at 30 degrees. ending"
)
SHOWN = (
    '<span class="diff-gap">…</span> machine washable at 30 degrees. '
    '<del class="diff-removed">ending</del> <ins class="diff-added">zq42</ins>'
)


@pytest.fixture
def product():
    return ProductFactory(name="Linen Tea Towel", description=DESCRIPTION)


@pytest.fixture
def change(product):
    return edit(product, description=DESCRIPTION.replace("ending", "zq42"))


def test_the_feed_row_shows_the_changed_words_with_context(change):
    row = render_event(change)

    assert SHOWN in row
    assert "Soft cotton towel" not in row  # the unchanged start is left out


def test_the_timeline_shows_the_changed_words(staff_client, product, change):
    response = staff_client.get(reverse("product-history", args=[product.slug]))

    assert SHOWN in response.content.decode()


def test_the_409_page_shows_the_changed_words(staff_client, product, change):
    edit(product, price=Decimal("1.00"))  # the revert page was opened before it

    response = staff_client.post(
        reverse("product-revert", args=[product.slug, change.pk]),
        {"version": change.product_version},
    )

    assert response.status_code == 409
    assert SHOWN in response.content.decode()


def test_the_full_values_page_highlights_the_changed_spans(staff_client, change):
    response = staff_client.get(reverse("dashboard-change", args=[change.pk]))

    page = response.content.decode()
    assert '30 degrees. <del class="diff-removed">ending</del>' in page
    assert '30 degrees. <ins class="diff-added">zq42</ins>' in page
    assert "Soft cotton towel" in page  # the whole values


def test_the_changed_words_are_escaped(product):
    hostile = DESCRIPTION.replace("ending", '<script>alert("x")</script>')

    row = render_event(edit(product, description=hostile))

    assert "<script>" not in row
    assert (
        '<ins class="diff-added">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
        "</ins>" in row
    )


def test_a_long_text_rewritten_everywhere_stays_a_small_frame(product):
    words = " ".join(f"word{n}" for n in range(500))
    product.description = words
    product.save()
    rewritten = " ".join(f"word{n}" if n % 2 else "x" * 8 for n in range(500))

    row = render_event(edit(product, description=rewritten))

    assert frame_size(row) < 16 * 1024 < MAX_FRAME_BYTES
    assert "more changes" in html.unescape(re.sub(r"<[^>]+>", "", row))
    assert ProductChange.objects.filter(product=product).count() == 3
