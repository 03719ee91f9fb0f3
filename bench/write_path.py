"""Write path: the product write against what users would pick instead.

The same change (a new price and quantity) written six ways, each to its own row
with the product's fields, in one run and one database, interleaved round-robin
(each round runs every way once, starting one further along each time):

- ``plain``: ``save()`` of a model without history, in ``atomic()``: the 1.0x.
- ``ours``: ``writes.product_update(product=..., version=..., data=...)``, the
  path of the edit form and the admin: a conditional UPDATE and the change row,
  announced on commit.
- ``ours_unversioned``: ``Product.save()`` without a version, as the shell or a
  command saves (the committed row read under a lock, the stored version read
  back).
- ``simple_history`` and ``auditlog``: ``save()`` in ``atomic()`` of the same
  fields registered with django-simple-history and django-auditlog
  (``bench/comparison``).
- ``bare_update``: ``QuerySet.update()`` of the two fields, one autocommitted
  statement, nothing recorded.

The figure is the time the write takes. Our announcement is rendered and sent on
the announcer thread after the commit; the bench waits for it after each of our
writes, outside the timing, so that it does not slow down the next way measured.
"""

import itertools
import time
from decimal import Decimal
from importlib.metadata import version as installed_version
from statistics import median

WARM_UP_ROUNDS = 50
# Transaction bookkeeping, not counted as a statement of the write.
BOOKKEEPING = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK", "BEGIN", "COMMIT")
LIBRARIES = ("django-simple-history", "django-auditlog")
LABELS = {
    "plain": "plain save() in atomic()",
    "ours": "ours: update with version (edit form, admin)",
    "ours_unversioned": "ours: save() without version (shell)",
    "simple_history": "django-simple-history save()",
    "auditlog": "django-auditlog save()",
    "bare_update": "bare QuerySet.update(), nothing recorded",
}


def _values(counter):
    number = next(counter)
    # Fresh values every time, so every write is a real change.
    return Decimal(100 + number).scaleb(-2), 1000 + number


def _saving(model_row):
    from django.db import transaction

    def write(price, quantity):
        model_row.price, model_row.quantity = price, quantity
        with transaction.atomic():
            model_row.save()

    return write


def ways(product_ids):
    """``{name: write(price, quantity)}``, each on a row of its own."""
    from bench.comparison.models import AuditProduct, HistoryProduct, PlainProduct
    from live.publish import announcer
    from products.editing import writes
    from products.models import Product

    ours_id, unversioned_id, bare_id = product_ids[:3]
    seed = Product.objects.values("name", "sku", "price", "quantity").get(pk=ours_id)
    copies = {
        model: model.objects.create(
            **{**seed, "sku": f"{seed['sku']}-{model.__name__}", "slug": f"s-{n}"}
        )
        for n, model in enumerate((PlainProduct, HistoryProduct, AuditProduct))
    }
    loaded = {"ours": Product.objects.select_related("category").get(pk=ours_id)}
    unversioned = Product.objects.get(pk=unversioned_id)

    def ours(price, quantity):
        product = loaded["ours"]
        loaded["ours"] = writes.product_update(
            product=product,
            version=product.version,
            data={"price": price, "quantity": quantity},
        )

    def ours_unversioned(price, quantity):
        unversioned.price, unversioned.quantity = price, quantity
        unversioned.save()

    def bare_update(price, quantity):
        Product.objects.filter(pk=bare_id).update(price=price, quantity=quantity)

    found = {
        "plain": _saving(copies[PlainProduct]),
        "ours": ours,
        "ours_unversioned": ours_unversioned,
        "simple_history": _saving(copies[HistoryProduct]),
        "auditlog": _saving(copies[AuditProduct]),
        "bare_update": bare_update,
    }
    # Ours announce on commit, on another thread: let that finish before the
    # next way is timed.
    settle = {"ours": announcer().flush, "ours_unversioned": announcer().flush}
    return found, settle


def statements(write, counter):
    """The statements one write issues, transaction bookkeeping aside."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        write(*_values(counter))
    return [
        query["sql"]
        for query in queries.captured_queries
        if not query["sql"].upper().startswith(BOOKKEEPING)
    ]


def measure(product_ids, saves):
    found, settle = ways(product_ids)
    names = list(found)
    counter = itertools.count(1)
    issued = {name: statements(found[name], counter) for name in names}
    timings = {name: [] for name in names}
    for number in range(WARM_UP_ROUNDS + saves):
        # Start one further along each round, so that no way always follows
        # the same other one.
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            price, quantity = _values(counter)
            started = time.perf_counter_ns()
            found[name](price, quantity)
            elapsed = time.perf_counter_ns() - started
            if name in settle:
                settle[name]()
            if number >= WARM_UP_ROUNDS:
                timings[name].append(elapsed)
    plain_ms = median(timings["plain"]) / 1e6
    results = {}
    for name in names:
        median_ms = median(timings[name]) / 1e6
        results[name] = {
            "label": LABELS[name],
            "median_ms": round(median_ms, 3),
            "ratio": round(median_ms / plain_ms, 2),
            "statements": len(issued[name]),
            "statement_kinds": [sql.split()[0].upper() for sql in issued[name]],
        }
    return {
        "saves": saves,
        "interleaving": "round-robin",
        "libraries": {name: installed_version(name) for name in LIBRARIES},
        "ways": results,
    }
