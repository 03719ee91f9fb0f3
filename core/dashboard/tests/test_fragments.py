"""Rendering the feed's fragments: what a page of rows costs the database."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.fragments import render_event, render_missed
from live.protocol import frame_size
from products.models import ProductChange
from products.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def queries_to_render_missed(count):
    before = ProductChange.objects.order_by("pk").last()
    for _ in range(count):
        ProductFactory(category=CategoryFactory())
    with CaptureQueriesContext(connection) as queries:
        missed, _, _ = render_missed(before.pk if before else 0, set(), 0)
    assert len(missed) == count
    assert all("Category " in html for _, html in missed)
    return len(queries)


def test_missed_rows_read_their_categories_at_once():
    assert queries_to_render_missed(8) == queries_to_render_missed(2)


def test_a_pushed_create_row_shortens_long_values_it_folds():
    ProductFactory(description="words " * 800, supplier="s" * 200)
    html = render_event(ProductChange.objects.latest("pk"))
    assert frame_size(html) < 4 * 1024
    assert "words " * 40 not in html and "s" * 200 not in html
    assert "Full values" in html
