"""CSV import: a file of ``ROWS`` rows previewed and applied through the import
page, first creating every product, then changing every one's price.

In-process, through Django's test client: the view, its template (the preview
lists every row) and the write path, without the network; the request body is
the same multipart upload a browser sends. Each step's time is what a person
waits for behind the page's progress indicator.
"""

import re
import time

from bench.services import BenchError

ROWS = 10_000
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
