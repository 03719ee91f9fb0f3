"""Catalog: 10,000 products, concurrent HTTP reads of one catalog page under
daphne and under gunicorn (WSGI) in the same run, in full and revalidated
(a conditional GET answered 304), a search under daphne, and the number of SQL
queries per catalog page at two page sizes."""

import http.client
import os
import statistics
import threading
import time
from collections import Counter
from decimal import Decimal
from typing import Any

from .services import BenchError, CpuMeter
from .stats import summary_ms
from .wsgi_server import start_gunicorn

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
# Each server and path is loaded this many times, alternating, for medians.
ROUNDS = 3
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
    analyse()
    return {
        "products": Product.objects.count(),
        "search_matches": Product.objects.filter(name__icontains=SEARCH_TERM).count(),
    }


def analyse():
    """Planner statistics for what the bench just wrote, as autovacuum would
    gather them in a deployment. Without them PostgreSQL guessed that few change
    rows are public and answered each 304's validators by reading and sorting
    the whole change log (14 ms at 1,650 rows, instead of 0.14 ms walking its
    primary key back), which measured the bench's haste, not the page."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


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
        products = response.content.decode().count('<article class="card"')
        counts[str(size)] = {
            "status": response.status_code,
            "queries": len(queries),
            "products_on_page": products,
        }
    return counts


def load(port, path, threads, seconds, headers=None, expected=200):
    """``threads`` keep-alive connections requesting ``path`` for ``seconds``;
    answers other than ``expected`` (and errors) count as failures."""
    latencies: list[int] = []
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def work():
        mine: list[int] = []
        my_statuses: Counter[int] = Counter()
        my_errors: Counter[str] = Counter()
        connection = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=REQUEST_TIMEOUT
        )
        try:
            while time.monotonic() < deadline and len(mine) < MAX_REQUESTS_PER_THREAD:
                started = time.perf_counter_ns()
                try:
                    connection.request("GET", path, headers=headers or {})
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
        "unexpected": sum(n for code, n in statuses.items() if code != expected)
        + sum(errors.values()),
        "errors": dict(errors),
    }


def first_answer(port, path, headers=None, requests=10):
    """A few requests to warm the server up; the last answer's status and ETag."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        for _ in range(requests):
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            response.read()
        return response.status, response.getheader("ETag")
    finally:
        connection.close()


def measured_load(server, path, threads, seconds, watch, **options):
    """``load`` against one server, with the CPU each process used meanwhile
    (the client is this process: at a few thousand requests/s it needs a core
    of its own, and the figure is then the client's limit)."""
    pid = getattr(server, "worker_pid", server.pid)
    with CpuMeter({"server": pid, "client": os.getpid(), **watch}) as cpu:
        figures = load(server.port, path, threads, seconds, **options)
    # Steadier than requests/s on a busy machine: what one request cost the server.
    busy = cpu.shares.get("server", 0) * figures["seconds"]
    per_request = busy / figures["requests"] * 1000 if figures["requests"] else None
    return {**figures, "cpu": cpu.shares, "server_cpu_ms_per_request": per_request}


def compare_servers(servers, threads, seconds, watch, rounds=ROUNDS):
    """``/products/?page=2`` in full and revalidated (If-None-Match: a 304), on
    every server, in alternating rounds so that a busy spell on the machine
    touches each alike; medians of the rounds and their ratios."""
    path = URLS["page 2"]
    etags = {}
    for name, server in servers.items():
        status, etags[name] = first_answer(server.port, path)
        if status != 200 or not etags[name]:
            raise BenchError(f"{name}: {path} answered {status}, ETag {etags[name]}")
        first_answer(server.port, path, {"If-None-Match": etags[name]})
    runs: dict[str, list[dict[str, Any]]] = {
        f"{name} {kind}": [] for name in servers for kind in ("full", "304")
    }
    for _ in range(rounds):
        for name, server in servers.items():
            runs[f"{name} full"].append(
                measured_load(server, path, threads, seconds, watch)
            )
            runs[f"{name} 304"].append(
                measured_load(
                    server,
                    path,
                    threads,
                    seconds,
                    watch,
                    headers={"If-None-Match": etags[name]},
                    expected=304,
                )
            )
    medians = {
        name: statistics.median(run["requests_per_s"] for run in loads)
        for name, loads in runs.items()
    }
    cpu_per_request = {
        name: statistics.median(run["server_cpu_ms_per_request"] or 0 for run in loads)
        for name, loads in runs.items()
    }
    return {
        "path": path,
        "rounds": rounds,
        "median_server_cpu_ms_per_request": cpu_per_request,
        # One release, one database: the servers must agree on the page's ETag.
        "same_etag": len(set(etags.values())) == 1,
        "runs": runs,
        "median_requests_per_s": medians,
        "daphne_to_gunicorn": ratio(medians["daphne full"], medians["gunicorn full"]),
        "revalidated_to_full": ratio(medians["daphne 304"], medians["daphne full"]),
        "gunicorn_revalidated_to_full": ratio(
            medians["gunicorn 304"], medians["gunicorn full"]
        ),
    }


def ratio(part, whole):
    return round(part / whole, 2) if whole else None


def measure(daphne, environment, work_dir, cleanup, threads, seconds, watch):
    filled = fill()
    figures = {**filled, "queries_per_page": queries_per_page(), "load": {}}
    gunicorn = start_gunicorn(environment, work_dir, cleanup, threads)
    try:
        figures["servers"] = compare_servers(
            {"daphne": daphne, "gunicorn": gunicorn}, threads, seconds, watch
        )
    finally:
        gunicorn.stop()
    first_answer(daphne.port, URLS["search"])
    figures["load"]["search"] = measured_load(
        daphne, URLS["search"], threads, seconds, watch
    )
    return figures
