"""A versioned update and its change row as one statement (PostgreSQL): the same
record, signals and announcement as the two statements it replaces."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import StaffFactory
from products.alerts import stock_count_checks, stock_counts
from products.alerts.kinds import BELOW_COST, EXPIRING
from products.editing import one_round_trip, writes
from products.history.actor import acting_as
from products.history.recording import changes_committed
from products.models import FormerSlug, Product, ProductChange, StockCount
from products.tests.alerts.test_stock_counts import scanned
from products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

RECORDED = (
    "action",
    "product_name",
    "actor_id",
    "actor_name",
    "source",
    "changes",
    "product_version",
    "reverts_id",
    "alerts",
    "batch_id",
)


@pytest.fixture
def announced():
    sets = []

    def receive(sender, change_set, **kwargs):
        sets.append([change.pk for change in change_set.changes])

    changes_committed.connect(receive)
    yield sets
    changes_committed.disconnect(receive)


def update(product, data):
    loaded = Product.objects.select_related("category").get(pk=product.pk)
    return writes.product_update(product=loaded, version=loaded.version, data=data)


def recorded(change):
    """What a change row records, its product aside."""
    values = {name: getattr(change, name) for name in RECORDED}
    assert values["alerts"].pop("product") == change.product_id
    return values


def test_an_update_records_what_the_two_statement_path_records(monkeypatch, announced):
    user = StaffFactory()
    data = {
        "price": Decimal("12.50"),
        "quantity": 0,  # opens an alert: recorded with the change
        "supplier": "Brill & <Co>",
        "expiry_date": date.today() + timedelta(days=3),
    }
    one, other = (ProductFactory(name="Blue Mug", quantity=5) for _ in range(2))
    announced.clear()

    with acting_as(user, source="web"):
        update(one, data)
        with monkeypatch.context() as patched:
            patched.setattr(one_round_trip, "applies", lambda change: False)
            update(other, data)

    fast, plain = (
        ProductChange.objects.get(product=product, action="updated")
        for product in (one, other)
    )
    assert recorded(fast) == recorded(plain)
    assert fast.product_version == 2 and fast.actor_name == user.username
    assert fast.alerts and fast.changes
    assert announced == [[fast.pk], [plain.pk]]
    assert Product.objects.values_list("version", flat=True).get(pk=one.pk) == 2


def written_statements(queries):
    """The statements a write sent, transaction bookkeeping aside."""
    bookkeeping = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
    return [
        query["sql"]
        for query in queries.captured_queries
        if not query["sql"].upper().startswith(bookkeeping)
    ]


def test_an_update_its_change_row_and_its_counters_are_one_statement_on_postgresql():
    product = ProductFactory(quantity=1)
    loaded = Product.objects.select_related("category").get(pk=product.pk)

    with CaptureQueriesContext(connection) as queries:
        writes.product_update(product=loaded, version=1, data={"quantity": 2})

    written = written_statements(queries)
    if connection.vendor == "postgresql":
        assert len(written) == 1, written
        assert "products_stockcount" in written[0]
    else:  # the update, the change row, the counters' rows
        assert len(written) == 3, written
    change = ProductChange.objects.get(action="updated")
    assert (change.product_id, change.product_version) == (product.pk, 2)
    assert stock_counts.current() == scanned()


def test_the_counters_follow_updates_made_in_one_statement():
    today = date.today()
    product = ProductFactory(quantity=5, price=Decimal("2.00"), cost_price=None)
    ProductFactory(quantity=3)

    update(product, {"quantity": 0, "price": Decimal("4.50")})  # out of stock
    update(product, {"expiry_date": today + timedelta(days=2), "quantity": 7})
    update(product, {"cost_price": Decimal("9.00"), "low_stock_threshold": 8})
    update(product, {"name": "Renamed mug"})  # adds nothing to the counters

    counts = stock_counts.current()
    assert counts == scanned()
    assert (counts.products, counts.units) == (2, 10)
    assert counts.alerts[BELOW_COST] == 1 and counts.alerts[EXPIRING] == 1
    assert stock_count_checks.recount() == {}


def test_an_update_whose_version_went_adds_nothing_to_the_counters():
    product = ProductFactory(quantity=1)
    opened = Product.objects.select_related("category").get(pk=product.pk)
    Product.objects.filter(pk=product.pk).update(version=2)
    rows = StockCount.objects.count()

    with pytest.raises(writes.StaleVersion):
        writes._update(opened, writes.with_values(opened, {"quantity": 9}), 1)

    assert StockCount.objects.count() == rows


def test_the_counters_rows_of_one_statement_writes_are_folded_past_the_limit(
    monkeypatch,
):
    product = ProductFactory(quantity=1)
    monkeypatch.setattr(stock_counts, "FOLD_EVERY", 1)  # every insert passes it

    update(product, {"quantity": 4})

    assert not StockCount.objects.filter(folded=False).exists()
    assert stock_counts.current() == scanned()


def test_a_rolled_back_update_leaves_the_counters_as_they_were():
    product = ProductFactory(quantity=1)
    before = stock_counts.current()

    with pytest.raises(RuntimeError), transaction.atomic():
        update(product, {"quantity": 40})
        raise RuntimeError("the caller fails after the write")

    assert stock_counts.current() == before == scanned()


def test_a_new_address_recorded_in_one_statement_keeps_the_old_one_working():
    """The change row's ``post_save`` still runs: it remembers former slugs."""
    product = ProductFactory(name="Blue Mug")
    old_slug = product.slug

    update(product, {"slug": "navy-mug"})

    assert FormerSlug.objects.get(slug=old_slug).product_id == product.pk


def test_an_update_whose_version_went_meanwhile_records_nothing_of_its_own():
    product = ProductFactory(quantity=1)
    opened = Product.objects.select_related("category").get(pk=product.pk)
    Product.objects.filter(pk=product.pk).update(version=2)

    with pytest.raises(writes.StaleVersion):
        writes._update(opened, writes.with_values(opened, {"quantity": 9}), 1)

    assert not ProductChange.objects.filter(action="updated").exists()
    assert Product.objects.values_list("quantity", "version").get() == (1, 2)
