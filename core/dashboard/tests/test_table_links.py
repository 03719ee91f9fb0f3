"""The feed's counters and pinned alerts link to the matching view of the
staff product table."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_counters_and_pinned_alerts_open_the_matching_table_view(staff_client):
    ProductFactory(name="Empty Shelf", quantity=0)
    ProductFactory(
        name="Old Milk", expiry_date=timezone.localdate() - timedelta(days=1)
    )
    html = staff_client.get(reverse("dashboard-products")).content.decode()
    table = reverse("products:manage")
    assert f'<a href="{table}?stock=low">Low</a>' in html
    assert f'<a class="stock-alert-kind" href="{table}?stock=out"' in html
    assert f'<a class="stock-alert-kind" href="{table}?alert=expired"' in html
    # And the view they name lists those products.
    listed = staff_client.get(f"{table}?alert=expired").content.decode()
    assert "Old Milk" in listed and "Empty Shelf" not in listed
