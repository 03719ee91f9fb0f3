"""A large catalog: the public catalog's (and the staff table's) views at 100,000
and 1,000,000 products, each request rendered in this process through Django's
test client: p50/p99 per view and the SQL queries each page runs.

The rows are written once per size with PostgreSQL's ``COPY`` (psycopg 3), or
``executemany`` on SQLite, straight into the products table: no change rows, no
events, so the stock counters are then brought up to date by their
recount. Each size adds to the rows of the size before, then the tables are
analysed (and vacuumed on PostgreSQL, so that index-only scans can be used), as a
catalog that has lived a while would be.
"""

import statistics
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from .stats import percentile

SIZES = (100_000, 1_000_000)
# Requests per view after the warm-up, for p50/p99.
REQUESTS = 40
WARM_UP = 3
# One material in 20 is walnut, so "walnut" matches 5 % of the products, all of
# them named "Walnut ..." (their names sort together: the hard case for a search
# sorted by name); "lamp" matches 1 in 12, spread evenly through the names;
# "quokka" is in one description in 5,000.
MATERIALS = (
    "walnut maple cedar bamboo copper brass linen cotton wool velvet marble "
    "granite slate ceramic porcelain glass leather canvas silk teak"
).split()
NOUNS = "mug lamp chair shelf bowl vase stool rug tray clock basket kettle".split()
CATEGORIES = tuple(f"Large {n:02d}" for n in range(20))
RARE_EVERY = 5_000
COLUMNS = (
    "name",
    "slug",
    "sku",
    "price",
    "quantity",
    "supplier",
    "category_id",
    "description",
    "image",
    "cost_price",
    "expiry_date",
    "low_stock_threshold",
    "created_at",
    "updated_at",
    "version",
)
CHUNK = 20_000
# What a user would try: the first page, a deep page, each sort, a category,
# a common and a rare search, combined. {category} is one category's slug.
VIEWS = {
    "catalog page 1": "/products/",
    "catalog page 800": "/products/?page=800",
    "catalog by price desc": "/products/?sort=-price",
    "catalog newest": "/products/?sort=newest",
    "catalog category": "/products/?category={category}",
    "catalog category by price p50": "/products/?category={category}&sort=price"
    "&page=50",
    "catalog search common": "/products/?q=lamp",
    "catalog search common, clustered": "/products/?q=walnut",
    "catalog search common by price": "/products/?q=walnut&sort=-price",
    "catalog search rare": "/products/?q=quokka",
    "catalog search none": "/products/?q=nothing-matches-this",
}
STAFF_VIEWS = {
    "table page 1": "/products/manage/",
    "table 200 rows by margin": "/products/manage/?sort=-margin&per_page=200",
    "table low stock": "/products/manage/?stock=low",
    "table expiring by expiry": "/products/manage/?alert=expiring&sort=expiry",
    "table search common": "/products/manage/?q=lamp",
    "table search clustered by price": "/products/manage/?q=walnut&sort=price",
    # The live feed: its stock counters and pinned alerts over the whole catalog.
    "feed page": "/dashboard/products/",
}
GOAL_P99_MS = 100
# The feed page reads the kept stock counters: its median at the largest size.
FEED_GOAL_P50_MS = 60


def _row(number, categories, now):
    material = MATERIALS[number % len(MATERIALS)]
    noun = NOUNS[number // len(MATERIALS) % len(NOUNS)]
    rare = " A quokka likes it." if number % RARE_EVERY == 0 else ""
    price = Decimal(100 + number % 50_000).scaleb(-2)
    return (
        f"{material.title()} {noun} {number}",
        f"large-{number}",
        f"LRG-{number:07d}",
        price,
        number % 200,
        "Large Supplies",
        categories[number % len(categories)],
        f"A {material} {noun} for every day.{rare}",
        "",
        (price * Decimal("0.6")).quantize(Decimal("0.01")),
        (date(2027, 1, 1) + timedelta(days=number % 700)) if number % 3 == 0 else None,
        5 if number % 10 == 0 else None,
        now - timedelta(seconds=number),
        now,
        1,
    )


def _categories():
    from products.models import Category

    return [
        Category.objects.get_or_create(
            slug=name.lower().replace(" ", "-"), defaults={"name": name}
        )[0].pk
        for name in CATEGORIES
    ]


def fill(total):
    """Adds products up to ``total`` (numbered after the ones there); returns
    the seconds it took, writing and analysing."""
    from django.db import connection, transaction

    from products.models import Product

    started = time.perf_counter()
    categories = _categories()
    first = Product.objects.filter(slug__startswith="large-").count()
    now = datetime.now(timezone.utc)
    table = Product._meta.db_table
    columns = ", ".join(COLUMNS)
    # One transaction: in autocommit SQLite would sync the disk after every row.
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg 3's cursor
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for number in range(first, total):
                    copy.write_row(_row(number, categories, now))
        else:
            marks = ", ".join(["%s"] * len(COLUMNS))
            insert = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
            for start in range(first, total, CHUNK):
                rows = [
                    _row(number, categories, now)
                    for number in range(start, min(total, start + CHUNK))
                ]
                cursor.executemany(insert, rows)
    _analyse(connection, table)
    return round(time.perf_counter() - started, 1)


def _analyse(connection, table):
    if connection.vendor == "postgresql":
        # VACUUM cannot run inside a transaction: Django is in autocommit here.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {table}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def recount():
    """The rows were written around the write path, so the feed's stock counters
    missed them: the recount that verifies the counters finds them as drift
    and adds them (and is timed: it is what each process runs now and then)."""
    from products.alerts.stock_count_checks import recount

    started = time.perf_counter()
    drift = recount()
    return {
        "recount_s": round(time.perf_counter() - started, 2),
        "recount_added_products": int(drift.get("products", 0)),
    }


def _timed(client, path, requests=REQUESTS):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARM_UP):
        answer = client.get(path)
        if answer.status_code != 200:
            return {"error": f"{path} answered {answer.status_code}"}
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    # Read now: every request's start empties the connection's query log.
    queries = [float(query["time"]) for query in captured.captured_queries]
    durations = []
    for _ in range(requests):
        started = time.perf_counter_ns()
        client.get(path)
        durations.append(time.perf_counter_ns() - started)
    durations.sort()
    return {
        "p50_ms": round(statistics.median(durations) / 1e6, 1),
        "p99_ms": round(percentile(durations, 0.99) / 1e6, 1),
        "queries": len(queries),
        "slowest_query_ms": round(max(queries, default=0) * 1000, 1),
    }


def _staff_client():
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(
        username="bench-large-staff", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def measure(sizes=SIZES, requests=REQUESTS):
    from django.test import Client

    public, staff = Client(HTTP_HOST="127.0.0.1"), _staff_client()
    category = CATEGORIES[3].lower().replace(" ", "-")
    results = {
        "goal_p99_ms": GOAL_P99_MS,
        "feed_goal_p50_ms": FEED_GOAL_P50_MS,
        "sizes": [],
    }
    for size in sizes:
        entry = {"products": size, "fill_s": fill(size), "views": {}}
        entry.update(recount())
        for name, path in VIEWS.items():
            entry["views"][name] = _timed(
                public, path.format(category=category), requests
            )
        for name, path in STAFF_VIEWS.items():
            entry["views"][name] = _timed(
                staff, path.format(category=category), requests
            )
        results["sizes"].append(entry)
    return results
