"""Change rows record the alerts open before and after them; the stock badge
honours a product's own threshold."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from products.editing import writes
from products.models import ProductChange
from products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def latest_change():
    return ProductChange.objects.order_by("-pk").first()


def update(product, **data):
    return writes.product_update(product=product, version=product.version, data=data)


@pytest.mark.parametrize(
    "own, quantity, status",
    [(None, 5, "low"), (None, 6, "in"), (20, 20, "low"), (2, 3, "in"), (2, 0, "out")],
)
def test_the_stock_badge_honours_a_products_own_threshold(own, quantity, status):
    product = ProductFactory(quantity=quantity, low_stock_threshold=own)
    assert product.stock_status == status


def test_the_shop_threshold_is_the_setting(settings):
    settings.LOW_STOCK_THRESHOLD = 50
    assert ProductFactory(quantity=40).stock_status == "low"


def test_a_restock_records_the_alert_it_resolved():
    product = ProductFactory(quantity=2)
    update(product, quantity=40)

    assert latest_change().alerts == {
        "product": product.pk,
        "before": ["low"],
        "after": [],
    }


def test_a_change_that_leaves_the_alerts_as_they_were_records_none():
    product = ProductFactory(quantity=2)
    update(product, quantity=3, name="Still low")

    assert latest_change().alerts == {}


def test_a_create_records_the_alerts_it_opens():
    product = ProductFactory(quantity=0, price=Decimal("5"), cost_price=Decimal("6"))
    assert latest_change().alerts == {
        "product": product.pk,
        "before": [],
        "after": ["out", "below-cost"],
    }


def test_a_shell_save_records_alerts_too():
    product = ProductFactory(quantity=10)
    product.expiry_date = timezone.localdate() + timedelta(days=3)
    product.save()

    assert latest_change().alerts["after"] == ["expiring"]


def test_a_deletion_records_the_alerts_it_closed_with_the_products_id():
    product = ProductFactory(quantity=0)
    pk = product.pk
    product.delete()

    assert latest_change().alerts == {"product": pk, "before": ["out"], "after": []}


def test_rules_of_the_day_of_the_change_are_recorded(settings):
    settings.LOW_STOCK_THRESHOLD = 50
    product = ProductFactory(quantity=40)
    update(product, quantity=60)
    settings.LOW_STOCK_THRESHOLD = 5

    assert latest_change().alerts["before"] == ["low"]
