"""A versioned update and its change row as one statement (PostgreSQL): the same
record, signals and announcement as the two statements it replaces."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import StaffFactory
from products.editing import one_round_trip, writes
from products.history.actor import acting_as
from products.history.recording import changes_committed
from products.models import FormerSlug, Product, ProductChange
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


def test_an_update_and_its_change_row_are_one_statement_on_postgresql():
    product = ProductFactory(quantity=1)

    with CaptureQueriesContext(connection) as queries:
        update(product, {"quantity": 2})

    written = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith(("UPDATE", "INSERT", "WITH"))
        # The stock counters' rows follow in a statement of their own.
        and "products_stockcount" not in query["sql"]
    ]
    expected = 1 if connection.vendor == "postgresql" else 2
    assert len(written) == expected, written
    change = ProductChange.objects.get(action="updated")
    assert (change.product_id, change.product_version) == (product.pk, 2)


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
