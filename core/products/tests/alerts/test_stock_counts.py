"""The feed's stock counters, kept by every kind of write in its transaction,
stay equal to a count of the whole catalog; the recount finds and fixes drift."""

import logging
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count, DecimalField, F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from products.alerts import stock_count_checks, stock_counts
from products.alerts.kinds import EXPIRED, EXPIRING, KINDS, LOW_STOCK, OUT_OF_STOCK
from products.alerts.open_alerts import at_or_below_threshold, conditions
from products.alerts.rules import shop_rules
from products.editing import writes
from products.history.batch_reverts import batch_revert_plan
from products.models import Product, ProductChange, StockCount, StockCountCheck
from products.tests.factories import ProductFactory
from products.tests.helpers import edit, imported

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 7)


def scanned(today=None):
    """The counters as a scan of the whole catalog computes them (what the feed
    did before they were kept): the truth to compare with."""
    rules, today = shop_rules(), today or timezone.localdate()
    money = DecimalField(max_digits=40, decimal_places=2)
    totals = Product.objects.aggregate(
        products=Count("pk"),
        units=Coalesce(Sum("quantity"), 0),
        stock_value=Coalesce(
            Sum(F("price") * F("quantity"), output_field=money),
            Decimal(0),
            output_field=money,
        ),
        low_stock=Count("pk", filter=at_or_below_threshold(rules)),
        **{
            kind: Count("pk", filter=condition)
            for kind, condition in conditions(rules, today).items()
        },
    )
    return stock_counts.StockCounts(
        products=totals["products"],
        units=totals["units"],
        stock_value=Decimal(totals["stock_value"]).quantize(Decimal("0.01")),
        low_stock=totals["low_stock"],
        alerts={kind: totals[kind] for kind in KINDS},
    )


def assert_kept_right(today=None):
    """The kept counters read as the scan does, and a recount finds nothing to
    fix, bucket by bucket."""
    assert stock_counts.current(today=today) == scanned(today)
    assert stock_count_checks.recount(today) == {}


def stocked(**values):
    """A product with every input of the counters set."""
    defaults = {
        "price": Decimal("4.00"),
        "quantity": 3,
        "cost_price": Decimal("5.00"),
        "expiry_date": timezone.localdate() + timedelta(days=3),
        "low_stock_threshold": None,
    }
    return ProductFactory(**{**defaults, **values})


def test_the_counters_follow_creates_made_anywhere(settings):
    settings.LOW_STOCK_THRESHOLD = 5
    stocked()
    stocked(quantity=0, expiry_date=timezone.localdate() - timedelta(days=1))
    stocked(quantity=40, low_stock_threshold=50, cost_price=None)
    Product.objects.create(name="Plain", sku="P-1", price="1.50", quantity=10)

    counts = stock_counts.current()

    assert (counts.products, counts.units, counts.stock_value) == (
        4,
        53,
        Decimal("187.00"),
    )
    assert counts.low_stock == 3  # 3 (shop's 5), 0 (out), 40 (its own 50)
    assert counts.alerts[OUT_OF_STOCK] == 1 and counts.alerts[LOW_STOCK] == 2
    assert counts.alerts[EXPIRED] == 1 and counts.alerts[EXPIRING] == 2
    assert_kept_right()


def test_a_versioned_update_of_each_input_keeps_them():
    product = stocked()
    for values in (
        {"quantity": 0},
        {"quantity": 700, "price": Decimal("6.00")},
        {"low_stock_threshold": 800},
        {"cost_price": None, "expiry_date": None},
        {"expiry_date": timezone.localdate() - timedelta(days=9)},
        {"low_stock_threshold": None, "quantity": 2},
    ):
        edit(product, **values)
        assert_kept_right()


def test_a_shell_save_and_a_delete_through_the_net_keep_them():
    product = stocked()
    product.quantity = 1
    product.price = Decimal("0.50")
    product.save()
    assert_kept_right()

    product.delete()

    assert_kept_right()
    assert stock_counts.current().products == 0


def test_a_delete_at_a_version_and_the_restore_keep_them():
    product = stocked(quantity=9)
    writes.product_delete(product=product, version=product.version)
    assert_kept_right()
    deletion = ProductChange.objects.get(action=ProductChange.Action.DELETED)

    writes.product_restore(deletion=deletion)

    assert_kept_right()
    assert stock_counts.current().units == 9


def test_a_revert_keeps_them():
    product = stocked()
    change = edit(product, quantity=0)

    writes.product_revert(product=product, change=change, version=product.version)

    assert_kept_right()


def test_an_import_a_bulk_action_and_the_batch_undo_keep_them():
    products = [stocked(quantity=n) for n in range(4)]
    batch = imported(products[:2], new_skus=["NEW-1", "NEW-2"], price="9.00")
    assert_kept_right()
    rows = Product.objects.exclude(sku__startswith="NEW")
    writes.products_bulk(
        items=[writes.BatchItem(p, {"quantity": 0}, p.version) for p in rows],
        label="Out of stock",
    )
    assert_kept_right()

    writes.batch_revert(plan=batch_revert_plan(batch))

    assert_kept_right()
    assert not Product.objects.filter(sku__startswith="NEW").exists()


def test_a_rolled_back_write_leaves_them_as_they_were():
    product = stocked()
    before = stock_counts.current()

    with pytest.raises(RuntimeError), transaction.atomic():
        edit(product, quantity=0)
        stocked(sku="GONE")
        raise RuntimeError("something after the writes failed")

    assert stock_counts.current() == before
    assert_kept_right()


def test_a_savepoint_rolled_back_takes_only_its_own_write():
    kept, dropped = stocked(quantity=5), stocked(quantity=6)

    with transaction.atomic():
        edit(kept, quantity=50)
        with pytest.raises(RuntimeError), transaction.atomic():
            edit(dropped, quantity=60)
            raise RuntimeError("undone")

    assert stock_counts.current().units == 56
    assert_kept_right()


def test_expiry_counts_move_as_days_pass_without_a_write(settings):
    settings.EXPIRY_ALERT_DAYS = 14
    today = timezone.localdate()
    stocked(expiry_date=today + timedelta(days=20))
    stocked(expiry_date=today + timedelta(days=2))

    later = [today + timedelta(days=days) for days in (0, 3, 6, 30)]
    seen = [stock_counts.current(today=day).alerts for day in later]

    assert [(a[EXPIRING], a[EXPIRED]) for a in seen] == [
        (1, 0),
        (0, 1),  # 2 days ahead has passed; 20 ahead is 17 away, not yet
        (1, 1),
        (0, 2),
    ]
    for day in later:
        assert_kept_right(today=day)


def test_a_changed_shop_threshold_counts_right_at_once(settings):
    settings.LOW_STOCK_THRESHOLD = 5
    for quantity in (3, 7, 12, stock_counts.QUANTITY_BUCKETS + 5):
        stocked(quantity=quantity)
    assert stock_counts.current().low_stock == 1

    for threshold in (8, 20, stock_counts.QUANTITY_BUCKETS + 10):
        settings.LOW_STOCK_THRESHOLD = threshold
        assert stock_counts.current() == scanned()
    assert stock_counts.current().low_stock == 4


def test_folding_keeps_the_counts_in_fewer_rows():
    today = timezone.localdate()
    products = [
        stocked(quantity=2, expiry_date=today - timedelta(days=n)) for n in (3, 5, 8)
    ]
    for product in products:
        edit(product, quantity=4)
    before = stock_counts.current()
    rows = StockCount.objects.count()

    stock_counts.fold()

    assert stock_counts.current() == before
    assert StockCount.objects.count() < rows
    assert not StockCount.objects.filter(folded=False).exists()
    # The days before yesterday all count as expired: one row for them.
    assert StockCount.objects.filter(counter="expiry").count() == 1
    assert_kept_right()


def test_drift_is_logged_and_fixed_by_the_recount(caplog):
    product = stocked(quantity=3)
    Product.objects.filter(pk=product.pk).update(quantity=0)  # around the path

    with caplog.at_level(logging.WARNING, logger="products.alerts.stock_count_checks"):
        drift = stock_count_checks.recount()

    assert drift == {"out": "1", "quantity 3": "-1", "units": "-3", "value": "-12"}
    assert "Stock counters drifted" in caplog.text
    assert "'units': '-3'" in caplog.text
    assert stock_counts.current() == scanned()
    assert stock_count_checks.recount() == {}


def test_processes_take_turns_checking():
    first = stock_count_checks.check_if_due(max_age=600)
    second = stock_count_checks.check_if_due(max_age=600)

    assert first == {} and second is None
    assert StockCountCheck.objects.get().checked_at is not None


def test_the_check_command_fixes_and_says_so(capsys):
    product = stocked(quantity=3)
    Product.objects.filter(pk=product.pk).update(quantity=4)
    from django.core.management import call_command

    call_command("check_stock_counts")

    fixed = "units 1, value 4, quantity 3 -1, quantity 4 1"  # the totals first
    assert f"Fixed drift in the stock counters: {fixed}" in capsys.readouterr().out
    assert stock_counts.current() == scanned()
    call_command("check_stock_counts")
    assert "agree" in capsys.readouterr().out


@pytest.mark.unit
def test_a_products_buckets_follow_the_alert_rules():
    values = {
        "quantity": 3,
        "price": Decimal("2.50"),
        "cost_price": Decimal("3.00"),
        "expiry_date": TODAY,
        "low_stock_threshold": None,
    }
    assert stock_counts.buckets(values) == {
        ("products", 0): 1,
        ("units", 0): 3,
        ("value", 0): Decimal("7.50"),
        ("quantity", 3): 1,
        ("below-cost", 0): 1,
        ("expiry", 20261207): 1,
    }
    own = stock_counts.buckets({**values, "low_stock_threshold": 3})
    assert own[("own-low", 0)] == 1 and ("quantity", 3) not in own
    assert stock_counts.buckets({**values, "quantity": 0})[("out", 0)] == 1
    assert stock_counts.difference(values, values) == {}


@pytest.mark.django_db(transaction=True)
def test_each_process_checks_soon_after_it_starts(settings, monkeypatch):
    settings.STOCK_COUNTS_CHECK_SECONDS = 3600  # then not again in this run
    product = stocked(quantity=3)
    Product.objects.filter(pk=product.pk).update(quantity=0)
    monkeypatch.setattr(stock_count_checks, "_thread", None)

    stock_count_checks.start()

    deadline = time.monotonic() + 30
    while not StockCountCheck.objects.filter(drift__has_key="out").exists():
        assert time.monotonic() < deadline, "no check within 30 s"
        time.sleep(0.05)
    assert stock_counts.current() == scanned()
