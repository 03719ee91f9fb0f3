"""Catalog: 10,000 products, concurrent HTTP reads through daphne, and the
number of SQL queries per catalog page at two page sizes."""

import http.client
import threading
import time
from collections import Counter
from decimal import Decimal

from .stats import summary_ms

TOTAL_PRODUCTS = 10_000
# One material in 33 is walnut: a search that matches about 300 products.
SEARCH_TERM = "walnut"
MATERIALS = (
    "walnut maple cedar bamboo copper brass linen cotton wool velvet marble "
    "granite slate ceramic porcelain glass crystal leather canvas denim silk "
    "steel iron pewter birch cherry rattan wicker jute cork felt resin teak"
).split()
NOUNS = "mug lamp chair shelf bowl vase stool rug tray clock basket kettle".split()
CATEGORIES = ("Kitchen", "Living", "Office", "Garden", "Bath")
URLS = {
    "page 2": "/products/?page=2",
    "search": f"/products/?q={SEARCH_TERM}",
}
# Bounds on the HTTP load besides its duration.
MAX_REQUESTS_PER_THREAD = 20_000
REQUEST_TIMEOUT = 10


def fill(total=TOTAL_PRODUCTS):
    """Bulk-create products up to ``total``. bulk_create sends no signals, which
    is what the bench wants here: no change rows, no events."""
    from products.models import Category, Product

    categories = [
        Category.objects.get_or_create(
            slug=f"bench-{name.lower()}", defaults={"name": f"Bench {name}"}
        )[0]
        for name in CATEGORIES
    ]
    missing = max(0, total - Product.objects.count())
    Product.objects.bulk_create(
        (
            Product(
                name=f"{MATERIALS[number % len(MATERIALS)].title()} "
                f"{NOUNS[number // len(MATERIALS) % len(NOUNS)]} {number}",
                slug=f"bench-item-{number:05d}",
                sku=f"BENCH-ITEM-{number:05d}",
                price=Decimal(100 + number % 5000).scaleb(-2),
                quantity=number % 50,
                category=categories[number % len(categories)],
                description="A sturdy thing for every day.",
            )
            for number in range(missing)
        ),
        batch_size=500,
    )
    return {
        "products": Product.objects.count(),
        "search_matches": Product.objects.filter(name__icontains=SEARCH_TERM).count(),
    }


def queries_per_page(path=URLS["page 2"], sizes=(12, 50)):
    """SQL queries of one catalog page, rendered in this process, per page size."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client(HTTP_HOST="127.0.0.1")
    client.get(path)  # warm up: first-use queries are not the page's
    counts = {}
    for size in sizes:
        with override_settings(CATALOG_PAGE_SIZE=size):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
        products = response.content.decode().count('id="product-')
        counts[str(size)] = {
            "status": response.status_code,
            "queries": len(queries),
            "products_on_page": products,
        }
    return counts


def load(port, path, threads, seconds):
    """``threads`` keep-alive connections requesting ``path`` for ``seconds``."""
    latencies, statuses, errors = [], Counter(), Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def work():
        mine, my_statuses, my_errors = [], Counter(), Counter()
        connection = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=REQUEST_TIMEOUT
        )
        try:
            while time.monotonic() < deadline and len(mine) < MAX_REQUESTS_PER_THREAD:
                started = time.perf_counter_ns()
                try:
                    connection.request("GET", path)
                    response = connection.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException) as error:
                    my_errors[type(error).__name__] += 1
                    connection.close()
                    continue  # http.client reconnects on the next request
                mine.append(time.perf_counter_ns() - started)
                my_statuses[response.status] += 1
        finally:
            connection.close()
            with lock:
                latencies.extend(mine)
                statuses.update(my_statuses)
                errors.update(my_errors)

    workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=seconds + REQUEST_TIMEOUT + 5)
    elapsed = time.monotonic() - started
    return {
        "path": path,
        "threads": threads,
        "seconds": round(elapsed, 2),
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "latency": summary_ms(latencies),
        "statuses": {str(code): count for code, count in sorted(statuses.items())},
        "non_200": sum(n for code, n in statuses.items() if code != 200)
        + sum(errors.values()),
        "errors": dict(errors),
    }


def warm_up(port, path, requests=10):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        for _ in range(requests):
            connection.request("GET", path)
            connection.getresponse().read()
    finally:
        connection.close()


def measure(port, threads, seconds):
    filled = fill()
    figures = {**filled, "queries_per_page": queries_per_page(), "load": {}}
    for name, path in URLS.items():
        warm_up(port, path)
        figures["load"][name] = load(port, path, threads, seconds)
    return figures
