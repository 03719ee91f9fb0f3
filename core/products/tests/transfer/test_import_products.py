"""``manage.py import_products FILE [--dry-run]``: the import from a shell."""

import os
import threading
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from products.models import Category, ChangeBatch, Product
from products.tests.factories import ProductFactory
from products.tests.transfer.sheets import ods_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_products", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def prices(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text("sku,name,price\nMUG-1,Mug,2.50\nTEA-1,Tea,4\n", encoding="utf-8")
    return path


def test_imports_the_file_as_one_batch_and_prints_the_summary(prices):
    ProductFactory(sku="MUG-1", name="Mug", price=Decimal("2.00"))
    out, _ = run(prices)
    assert out.splitlines() == [
        "prices.csv: 1 to create, 1 to update, 0 unchanged, 0 with errors.",
        "Imported prices.csv: 1 updated, 1 created.",
    ]
    batch = ChangeBatch.objects.get()
    assert (batch.label, batch.source, batch.actor) == (
        "prices.csv",
        "command import_products",
        None,
    )
    assert Product.objects.get(sku="MUG-1").price == Decimal("2.50")


def test_dry_run_writes_nothing(prices):
    out, _ = run(prices, "--dry-run")
    assert out.splitlines()[-1] == "Dry run: nothing was written."
    assert not Product.objects.exists()


def test_row_errors_are_printed_and_nothing_is_written(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("sku,name,price\nMUG-1,Mug,cheap\nTEA-1,Tea,1\n")
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_products", str(path), stdout=StringIO(), stderr=err)
    assert err.getvalue() == (
        'line 2, price (C): "cheap" is not a price: write a number such as 1234.50\n'
    )
    assert not Product.objects.exists()


def test_bad_files_and_limits_fail_with_the_reason(tmp_path, settings):
    with pytest.raises(CommandError, match="Cannot read .*missing.csv"):
        run(tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="empty.csv: The file is empty."):
        run(empty)
    settings.IMPORT_MAX_BYTES = 10
    big = tmp_path / "big.csv"
    big.write_text("sku,name,price\nMUG-1,Mug,1\n")
    with pytest.raises(CommandError, match="an import takes at most 10 bytes"):
        run(big)


def test_workbooks_and_the_number_and_date_options(tmp_path):
    workbook = tmp_path / "stock.xlsx"
    workbook.write_bytes(
        xlsx_bytes(
            [
                ("sku", "name", "price", "category", "expiry_date", "barcode"),
                ("MUG-1", "Mug", "1.064,50", "Garden", "06/07/2027", 400638),
            ]
        )
    )
    out, _ = run(workbook, "--decimal", ",", "--date-order", "dmy", "--dry-run")
    assert out.splitlines()[1:3] == [
        "Ignored columns: barcode",
        "New categories: Garden",
    ]
    assert not Category.objects.exists()  # a dry run creates none

    run(workbook, "--decimal", ",", "--date-order", "dmy")
    mug = Product.objects.get(sku="MUG-1")
    assert (mug.price, mug.expiry_date, mug.category.name) == (
        Decimal("1064.50"),
        date(2027, 7, 6),
        "Garden",
    )

    sheet = tmp_path / "stock.ods"
    sheet.write_bytes(ods_bytes([("sku", "quantity"), ("MUG-1", 7)]))
    run(sheet)
    assert Product.objects.get(sku="MUG-1").quantity == 7


def test_a_date_in_another_order_is_refused_by_the_command(tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text("sku,name,price,expiry_date\nMUG-1,Mug,1,06/07/2027\n")
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_products", str(path), stdout=StringIO(), stderr=err)
    assert err.getvalue() == (
        'line 2, expiry_date (D): "06/07/2027" is not a date as YYYY-MM-DD: '
        "write it as YYYY-MM-DD\n"
    )


def test_a_stream_with_no_end_is_read_only_up_to_the_limit(settings, tmp_path):
    # A device or pipe (/dev/zero) has no size beforehand and may never end: it
    # was read until memory ran out. Here a pipe offers 8 MiB of zeros.
    settings.IMPORT_MAX_BYTES = 1024
    pipe = tmp_path / "zeros"
    os.mkfifo(pipe)
    offered = 8 * 1024 * 1024
    written = []

    def feed():
        chunk, sent = bytes(64 * 1024), 0
        try:
            with open(pipe, "wb") as stream:
                while sent < offered:
                    stream.write(chunk)
                    sent += len(chunk)
        except BrokenPipeError:  # the reader stopped: what it left unread
            pass
        written.append(sent)

    feeder = threading.Thread(target=feed)
    feeder.start()
    try:
        with pytest.raises(CommandError, match="over 1,024 bytes; an import takes"):
            run(pipe)
    finally:
        feeder.join(timeout=30)

    assert written[0] < offered


def big_file(path, rows, price):
    lines = "".join(
        f"BIG-{n:05d},Big product {n},{price},{n % 50},Bench Supplies\n"
        for n in range(1, rows + 1)
    )
    path.write_text("sku,name,price,quantity,supplier\n" + lines, encoding="utf-8")
    return path


@pytest.mark.django_db(transaction=True)
def test_twenty_thousand_rows_are_one_batch_and_one_change_set(tmp_path, announced):
    from products.history.recording import ChangeSet
    from products.models import ProductChange

    path = big_file(tmp_path / "big.csv", 20_000, "10.00")
    out, _ = run(path, "--max-rows", 20_000)
    assert out.splitlines()[-1] == "Imported big.csv: 20000 created."
    big_file(path, 20_000, "12.50")
    out, _ = run(path, "--max-rows", 20_000)
    assert out.splitlines()[-1] == "Imported big.csv: 20000 updated."
    assert ChangeBatch.objects.count() == 2
    assert [len(change_set.changes) for change_set in announced] == [20_000, 20_000]
    assert all(isinstance(change_set, ChangeSet) for change_set in announced)
    assert [len(change_set.batches) for change_set in announced] == [1, 1]
    assert ProductChange.objects.filter(batch__isnull=True).count() == 0
    product = Product.objects.get(sku="BIG-12345")
    assert (product.price, product.version) == (Decimal("12.50"), 2)
    assert list(
        product.changes.order_by("pk").values_list("action", "product_version")
    ) == [("created", 1), ("updated", 2)]
    assert Product.objects.filter(price=Decimal("12.50")).count() == 20_000
    assert len(set(Product.objects.values_list("slug", flat=True))) == 20_000
    from django.db import connections

    from live.publish import announcer

    # Announced off this thread: done, and its connection given back.
    assert announcer().flush(timeout=120, then=connections.close_all)


def test_the_page_limit_holds_without_max_rows_and_max_rows_is_bounded(
    tmp_path, settings
):
    settings.IMPORT_MAX_ROWS = 3
    settings.IMPORT_COMMAND_MAX_ROWS = 4
    path = big_file(tmp_path / "big.csv", 4, "1.00")
    with pytest.raises(CommandError, match="more than 3 rows"):
        run(path)
    run(path, "--max-rows", 4)
    assert Product.objects.count() == 4
    big_file(path, 5, "1.00")
    with pytest.raises(CommandError, match="more than 4 rows"):
        run(path, "--max-rows", 1_000_000)


@pytest.mark.django_db(transaction=True)
def test_an_import_rolled_back_leaves_nothing(tmp_path, announced, monkeypatch):
    from products.history import batches
    from products.models import ProductChange

    ProductFactory(sku="BIG-00001", name="Big product 1", price=Decimal("1.00"))

    def broken(self):
        original(self)
        raise RuntimeError("the disk is full")

    original = batches.Recording.save_all
    monkeypatch.setattr(batches.Recording, "save_all", broken)
    with pytest.raises(RuntimeError):
        run(big_file(tmp_path / "big.csv", 3_000, "10.00"))
    assert list(Product.objects.values_list("sku", "price", "version")) == [
        ("BIG-00001", Decimal("1.00"), 1)
    ]
    assert not ProductChange.objects.filter(batch__isnull=False).exists()
    assert not ChangeBatch.objects.exists()
    assert [len(change_set.changes) for change_set in announced] == [1]


def rows_file(path, lines):
    path.write_text("sku,name,price,category\n" + "".join(lines), encoding="utf-8")
    return path


def test_the_command_holds_the_planned_rows_of_one_chunk_at_a_time(
    tmp_path, monkeypatch
):
    """Memory bounded by the chunk, not the file: while a chunk is planned, the
    rows planned for the chunks before it (their products and values) are gone."""
    import gc
    import weakref

    from products.transfer import planning

    monkeypatch.setattr(planning, "CHUNK", 2, raising=False)
    planned, most_alive = [], []
    check_row = planning.check_row

    def watched(row, product, columns):
        gc.collect()
        most_alive.append(sum(ref() is not None for ref in planned))
        planned.append(weakref.ref(row))
        return check_row(row, product, columns)

    monkeypatch.setattr(planning, "check_row", watched)
    lines = [f"SKU-{n},Product {n},{n}.00,\n" for n in range(1, 10)]
    out, _ = run(rows_file(tmp_path / "nine.csv", lines))
    assert out.splitlines()[-1] == "Imported nine.csv: 9 created."
    assert Product.objects.count() == 9
    # The chunk being planned and the one before it at most: never all nine.
    assert max(most_alive) <= 3


def test_a_wrong_row_in_a_later_chunk_names_every_error_and_writes_nothing(
    tmp_path, monkeypatch, announced
):
    from products.transfer import planning

    monkeypatch.setattr(planning, "CHUNK", 2, raising=False)
    lines = [f"SKU-{n},Product {n},{n}.00,\n" for n in range(1, 8)]
    lines[0] = "SKU-1,Product 1,cheap,\n"
    lines[5] = "SKU-2,Product 6,6.00,\n"  # the SKU of line 3, two chunks before
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command(
            "import_products",
            str(rows_file(tmp_path / "late.csv", lines)),
            stdout=StringIO(),
            stderr=err,
        )
    assert err.getvalue().splitlines() == [
        'line 2, price (C): "cheap" is not a price: write a number such as 1234.50',
        "line 7, sku (A): SKU SKU-2 is also on line 3; each product may be named once.",
    ]
    assert not Product.objects.exists() and not ChangeBatch.objects.exists()
    assert not announced


def test_a_category_first_named_in_a_later_chunk_is_created_once(tmp_path, monkeypatch):
    from products.transfer import planning

    monkeypatch.setattr(planning, "CHUNK", 2, raising=False)
    lines = [f"SKU-{n},Product {n},{n}.00,\n" for n in range(1, 4)]
    lines += [f"SKU-{n},Product {n},{n}.00,Garden tools\n" for n in range(4, 8)]
    out, _ = run(rows_file(tmp_path / "garden.csv", lines))
    assert "New categories: Garden tools" in out.splitlines()
    garden = Category.objects.get()
    assert garden.name == "Garden tools"
    assert Product.objects.filter(category=garden).count() == 4
