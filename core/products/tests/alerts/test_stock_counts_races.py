"""Concurrent writers and the recount on PostgreSQL: the counters never make
writers wait on each other, stay equal to the catalog, and a recount made while
a write is open finds no drift.

SQLite takes its write lock at BEGIN, so there the writes run one after
another and cannot race: these tests need PostgreSQL.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction

from products.alerts import stock_count_checks, stock_counts
from products.tests.alerts.test_stock_counts import scanned
from products.tests.factories import ProductFactory
from products.tests.helpers import edit

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="SQLite runs writes one at a time"
    ),
]


def in_threads(*calls):
    """Runs each call in its own thread (its own connection); re-raises the
    first error any of them raised."""
    errors = []

    def run(call):
        try:
            call()
        except BaseException as error:  # noqa: B036 (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    if errors:
        raise errors[0]


def test_two_open_writes_do_not_wait_on_each_other_nor_show_as_drift():
    first, second = ProductFactory(quantity=5), ProductFactory(quantity=7)
    both_written = threading.Barrier(3, timeout=20)
    recounted = threading.Event()
    drift = {}

    def writer(product, quantity):
        with transaction.atomic():
            edit(product, quantity=quantity, price=Decimal("3.00"))
            both_written.wait()  # each holds its write open, uncommitted
            assert recounted.wait(20)

    def checker():
        both_written.wait()
        drift.update(stock_count_checks.recount())
        recounted.set()

    in_threads(lambda: writer(first, 0), lambda: writer(second, 70), checker)

    assert drift == {}
    assert stock_counts.current() == scanned()
    assert stock_count_checks.recount() == {}


def test_two_writers_saving_many_times_at_once_keep_them_right():
    # Room for one writer's 1 + 2 + ... + 15 = 120 taken before the other adds any.
    shared = ProductFactory(quantity=200)
    own = [ProductFactory(quantity=1), ProductFactory(quantity=2)]
    start = threading.Barrier(2, timeout=20)

    def writer(index):
        start.wait()
        mine = own[index]
        for step in range(15):
            # The same product from both: the net's locked read chains them.
            with transaction.atomic():
                from products.models import Product

                row = Product.objects.get(pk=shared.pk)
                row.quantity = row.quantity + (1 if index else -1) * (step + 1)
                row.save()
            mine.refresh_from_db()
            edit(mine, quantity=(step * 7 + index) % 12)

    in_threads(lambda: writer(0), lambda: writer(1))

    assert stock_counts.current() == scanned()
    assert stock_count_checks.recount() == {}


def test_recounts_while_writes_commit_never_see_drift():
    product = ProductFactory(quantity=3)
    done = threading.Event()
    found = []

    def writing():
        try:
            for quantity in range(1, 40):
                product.refresh_from_db()
                edit(product, quantity=quantity % 9, price=Decimal(quantity))
        finally:
            done.set()

    def checking():
        while not done.is_set():
            found.append(stock_count_checks.recount())

    in_threads(writing, checking)

    assert found and all(drift == {} for drift in found)
    assert stock_counts.current() == scanned()
