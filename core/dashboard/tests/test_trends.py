"""The feed's counters as trend lines over the last 24 hours."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.trends import feed_trends
from products.tests.factories import ProductChangeFactory, field_items

pytestmark = pytest.mark.django_db


def test_changes_per_hour_and_units_worked_back_from_now():
    now = timezone.now()
    ProductChangeFactory(
        created_at=now - timedelta(minutes=5), changes=field_items(quantity=("10", "4"))
    )
    ProductChangeFactory(
        created_at=now - timedelta(minutes=10), changes=field_items(price=("1", "2"))
    )
    ProductChangeFactory(
        created_at=now - timedelta(hours=3, minutes=1),
        changes=field_items(quantity=("0", "10")),
    )
    ProductChangeFactory(created_at=now - timedelta(hours=30))

    trends = feed_trends(units_now=50, now=now)

    changes = trends["changes"].values
    assert len(changes) == 24
    assert changes[-1] == 2 and changes[-4] == 1 and sum(changes) == 3
    units = trends["units"].values
    # 50 now; 56 before this hour's -6; 46 before the +10 three hours ago.
    assert units[-1] == 50 and units[-2] == 56 and units[-4] == 56 and units[-5] == 46
    assert units[0] == 46


def test_the_feed_page_draws_them(staff_client):
    ProductChangeFactory(changes=field_items(quantity=("1", "3")))
    html = staff_client.get(reverse("dashboard-products")).content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Changes per hour, last 24 hours: 1 in all, at most 1 in one hour" in text
    assert "Units in stock, last 24 hours:" in text
    assert html.count('class="trend"') == 2
