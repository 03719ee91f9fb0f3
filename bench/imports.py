"""CSV import: a file of ``ROWS`` rows previewed and applied through the import
page, first creating every product, then changing every one's price.

In-process, through Django's test client: the view, its template (the preview
lists every row) and the write path, without the network; the request body is
the same multipart upload a browser sends. Each step's time is what a person
waits for behind the page's progress indicator.

Then ``LARGE_ROWS`` rows through ``manage.py import_products --max-rows``, in a
process of its own (its peak memory is that process's own RSS high-water,
``peak_memory``), created then updated, each step against a bare ``bulk_create`` of
the same new products in this process.
"""

import re
import sys
import tempfile
import time
from pathlib import Path

from bench import peak_memory
from bench.services import BenchError

ROWS = 10_000
LARGE_ROWS = 100_000
LARGE_PREFIX = "BENCH-BIG-"
MANAGE = Path(__file__).resolve().parent.parent / "core" / "manage.py"
HEADER = "sku,name,price,quantity,category,supplier,description\n"
USERNAME = "bench-importer"


def csv_file(rows, price):
    lines = [
        f"BENCH-IMP-{n:05d},Imported product {n},{price},{n % 50},,Bench Supplies,"
        f"Row {n} of the import bench.\n"
        for n in range(1, rows + 1)
    ]
    return (HEADER + "".join(lines)).encode()


def importer_client():
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(
        username=USERNAME, defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def timed_import(client, data, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from products.models import ChangeBatch

    started = time.perf_counter()
    preview = client.post("/products/import/", {"file": SimpleUploadedFile(name, data)})
    previewed = time.perf_counter()
    digest = re.search(rb'name="digest" value="([0-9a-f]{64})"', preview.content)
    if preview.status_code != 200 or digest is None:
        raise BenchError(f"import preview of {name} answered {preview.status_code}")
    applied = client.post("/products/import/", {"digest": digest[1].decode()})
    finished = time.perf_counter()
    if applied.status_code != 302:
        raise BenchError(f"import of {name} answered {applied.status_code}")
    return {
        "preview_s": round(previewed - started, 2),
        "apply_s": round(finished - previewed, 2),
        "preview_page_kib": round(len(preview.content) / 1024),
        "summary": ChangeBatch.objects.latest("pk").summary,
    }


def measure(rows=ROWS):
    from live.publish import announcer

    client = importer_client()
    results = {"rows": rows, "file_kib": round(len(csv_file(rows, "10.00")) / 1024)}
    for step, price in (("create", "10.00"), ("update", "12.50")):
        results[step] = timed_import(client, csv_file(rows, price), f"{step}.csv")
        announcer().flush(timeout=30)  # its one feed entry, outside the timing
    return results


def large_csv(path, rows, price):
    """Written a chunk at a time: the bench holds no 100,000-row string."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        for start in range(1, rows + 1, 10_000):
            out.write(
                "".join(
                    f"{LARGE_PREFIX}{n:06d},Bulk import {n},{price},{n % 50},,"
                    f"Bench Supplies,Row {n} of the large import.\n"
                    for n in range(start, min(rows, start + 9_999) + 1)
                )
            )


def bare_bulk_create(rows):
    """Seconds a bare ``bulk_create`` of rows as the import creates them takes
    (in one transaction, addresses made in Python), rolled back afterwards."""
    from django.db import transaction
    from django.utils.text import slugify

    from products.models import Product

    # Their own SKUs and addresses: the import's rows may exist (its update).
    products = [
        Product(
            sku=f"BENCH-BARE-{n:06d}",
            name=f"Bulk import {n}",
            slug=slugify(f"Bare insert {n}"),
            price="10.00",
            quantity=n % 50,
            supplier="Bench Supplies",
            description=f"Row {n} of the large import.",
        )
        for n in range(1, rows + 1)
    ]
    started = time.perf_counter()
    with transaction.atomic():
        Product.objects.bulk_create(products, batch_size=500)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds


def run_command(*args):
    """``(seconds, peak RSS in MiB)`` of ``manage.py`` run with ``args``: the
    command's own peak, not the bench's (``peak_memory``)."""
    started = time.perf_counter()
    code, output, peak = peak_memory.run([sys.executable, str(MANAGE), *args])
    seconds = time.perf_counter() - started
    if code:
        raise BenchError(f"manage.py {args[0]} failed: {output[-500:]}")
    return seconds, peak


def measure_large(rows=LARGE_ROWS):
    from django.db import connection

    # Django's start-up, the same in every manage.py run: not the import's.
    startup, startup_mib = run_command("import_products", "--help")
    results = {"rows": rows, "startup_s": round(startup, 2)}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "large.csv"
        for step, price in (("create", "10.00"), ("update", "12.50")):
            bare = bare_bulk_create(rows)
            large_csv(path, rows, price)
            seconds, peak = run_command(
                "import_products", str(path), "--max-rows", str(rows)
            )
            seconds -= startup
            results[step] = {
                "import_s": round(seconds, 2),
                "bulk_create_s": round(bare, 2),
                "ratio": round(seconds / bare, 2),
                "peak_mib": round(peak),
            }
        results["file_kib"] = round(path.stat().st_size / 1024)
    results["startup_mib"] = round(startup_mib)
    # The next phases start without them (the large catalog counts its own).
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE products_changebatch SET entry_id = NULL WHERE label = %s",
            [path.name],
        )
        cursor.execute(
            "DELETE FROM products_productchange WHERE product_slug LIKE %s",
            ["bulk-import-%"],
        )
        cursor.execute("DELETE FROM products_changebatch WHERE label = %s", [path.name])
        cursor.execute(
            "DELETE FROM products_product WHERE sku LIKE %s", [LARGE_PREFIX + "%"]
        )
    return results
