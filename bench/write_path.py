"""Write path: a product update through the model against a bare UPDATE.

The model save reads the committed row (locked on PostgreSQL), writes the product,
records the diff as a change row and announces it on commit, so that the event
is rendered and sent over Redis even when no socket listens. The bare
``QuerySet.update()`` writes the same two fields and nothing else. The figure is
the time save() takes; whatever the app defers to after it (say, to a thread)
is not in it.
"""

import itertools
import time
from decimal import Decimal
from statistics import median

WARM_UP = 30


def _values(counter):
    number = next(counter)
    # Fresh values every time, so every save is a real change.
    return Decimal(100 + number).scaleb(-2), 1000 + number


def measure(product_id, iterations):
    from products.models import Product

    product = Product.objects.get(pk=product_id)
    counter = itertools.count(1)

    def save():
        product.price, product.quantity = _values(counter)
        product.save()

    def update():
        price, quantity = _values(counter)
        Product.objects.filter(pk=product_id).update(price=price, quantity=quantity)

    timings = {save: [], update: []}
    for number in range(WARM_UP + iterations):
        # Alternate which goes first, so neither always follows the other.
        pair = (save, update) if number % 2 == 0 else (update, save)
        for operation in pair:
            started = time.perf_counter_ns()
            operation()
            elapsed = time.perf_counter_ns() - started
            if number >= WARM_UP:
                timings[operation].append(elapsed)
    save_ms = median(timings[save]) / 1e6
    update_ms = median(timings[update]) / 1e6
    return {
        "iterations": iterations,
        "save_median_ms": round(save_ms, 3),
        "update_median_ms": round(update_ms, 3),
        "ratio": round(save_ms / update_ms, 2),
    }
