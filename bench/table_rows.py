"""CPU time of one staff table page at 200 rows (sorted by margin), rendered through
the test client on a throwaway SQLite database with 400 products in 20 categories:
the median and the minimum of 15 renders, after one warm-up.

    .venv/bin/python bench/table_rows.py

What it isolates: the page's own work (queries on a small local database, the row
values in Python, the templates), not the network or the server. Compare two
checkouts by running it in each, one after the other.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
URL = "/products/manage/?per_page=200&sort=-margin"
RUNS = 15


def main():
    sys.path.insert(0, str(ROOT / "core"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "core.settings.test"
    database = Path(tempfile.mkdtemp()) / "table.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    from accounts.tests.factories import StaffFactory
    from products.tests.factories import CategoryFactory, ProductFactory

    categories = [CategoryFactory() for _ in range(20)]
    for n in range(400):
        ProductFactory(category=categories[n % 20], cost_price=1)
    client = Client()
    client.force_login(StaffFactory())
    page = client.get(URL)
    assert page.status_code == 200, page.status_code
    times = []
    for _ in range(RUNS):
        started = time.process_time()
        client.get(URL)
        times.append((time.process_time() - started) * 1000)
    print(
        f"table, 200 rows: CPU ms median {statistics.median(times):.1f}, "
        f"min {min(times):.1f} ({RUNS} renders, {len(page.content):,} bytes)"
    )


if __name__ == "__main__":
    main()
