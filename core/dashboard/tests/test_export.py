"""The change log as CSV: /dashboard/products/export.csv."""

import csv
import io
from datetime import datetime, timezone

import pytest
from django.db.models.signals import post_init
from django.test import AsyncClient

from accounts.tests.factories import StaffWithoutPermissionsFactory
from dashboard import export
from products.models import ProductChange
from products.tests.factories import ProductChangeFactory, ProductFactory, field_items

URL = "/dashboard/products/export.csv"
HEADER = "id,time,actor,source,action,sku,name,field,old,new".split(",")


def read_csv(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_staff_without_the_permission_get_403(client):
    client.force_login(StaffWithoutPermissionsFactory())

    assert client.get(URL).status_code == 403


@pytest.mark.django_db
def test_one_line_per_field_change_oldest_first(staff_client):
    product = ProductFactory(name="Blue Mug", sku="MUG-1", price="9.99", quantity=3)
    product.price, product.quantity = "12.50", 4
    product.save()
    created, updated = ProductChange.objects.order_by("pk")
    ProductChange.objects.filter(pk=updated.pk).update(
        actor_name="alice",
        created_at=datetime(2024, 5, 1, 10, 30, 5, tzinfo=timezone.utc),
    )

    response = staff_client.get(URL)

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="product-changes-'
    )
    lines = read_csv(response)
    assert lines[0] == HEADER
    assert {(line[0], line[4]) for line in lines[1:-2]} == {
        (str(created.pk), "created")
    }
    assert lines[-2:] == [
        [str(updated.pk), "2024-05-01T10:30:05Z", "alice", "system", "updated"]
        + ["MUG-1", "Blue Mug", "price", "9.99", "12.50"],
        [str(updated.pk), "2024-05-01T10:30:05Z", "alice", "system", "updated"]
        + ["MUG-1", "Blue Mug", "quantity", "3", "4"],
    ]


@pytest.mark.django_db
def test_cells_a_spreadsheet_would_run_are_neutralised(staff_client):
    ProductChangeFactory(
        product_name='=HYPERLINK("http://evil.example","click")',
        actor_name="@alice",
        source="+source",
        changes=field_items(supplier=("-2+3", "\tTAB"), description=("plain", "=1+1")),
    )

    lines = read_csv(staff_client.get(URL))

    assert lines[1][2:4] == ["'@alice", "'+source"]
    assert lines[1][6] == '\'=HYPERLINK("http://evil.example","click")'
    assert lines[1][8:] == ["'-2+3", "'\tTAB"]
    assert lines[2][8:] == ["plain", "'=1+1"]


@pytest.mark.django_db
def test_unicode_survives_with_a_byte_order_mark(staff_client):
    ProductChangeFactory(
        product_name="日本茶 «Sencha» — Grüner Tee",
        changes=field_items(description=("", "Ünïcödé ✓ 🍵")),
    )

    response = staff_client.get(URL)
    body = b"".join(response.streaming_content)

    assert body.startswith(b"\xef\xbb\xbfid,time,")
    line = read_csv(staff_client.get(URL))[1]
    assert line[6] == "日本茶 «Sencha» — Grüner Tee"
    assert line[9] == "Ünïcödé ✓ 🍵"


@pytest.mark.django_db
def test_the_sku_is_the_one_the_change_recorded(staff_client):
    product = ProductFactory(name="Blue Mug", sku="OLD-1")
    product.sku = "NEW-1"
    product.save()
    product.delete()

    lines = read_csv(staff_client.get(URL))

    by_action = {line[4]: line[5] for line in lines[1:]}
    assert by_action == {"created": "OLD-1", "updated": "NEW-1", "deleted": "NEW-1"}


@pytest.mark.django_db
def test_a_change_without_field_values_still_has_a_line(staff_client):
    change = ProductChangeFactory(changes=[])

    lines = read_csv(staff_client.get(URL))

    assert lines[1:] == [
        [str(change.pk), lines[1][1], "", "web", "updated", "", change.product_name]
        + ["", "", ""]
    ]


@pytest.mark.django_db
def test_the_feed_filters_apply(staff_client):
    ProductChangeFactory(actor_name="alice", changes=field_items(price=("1", "2")))
    bob = ProductChangeFactory(
        actor_name="bob", changes=field_items(price=("1", "2"), quantity=("1", "2"))
    )
    ProductChangeFactory(actor_name="bob", changes=field_items(name=("a", "b")))

    lines = read_csv(staff_client.get(f"{URL}?actor=bob&field=price"))

    # Only the filtered field's line of each matching change.
    assert [(line[0], line[7]) for line in lines[1:]] == [(str(bob.pk), "price")]


@pytest.mark.django_db
def test_invalid_filters_answer_400(staff_client):
    response = staff_client.get(f"{URL}?since=2024-05-04&until=2024-05-01")

    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()


@pytest.mark.django_db
def test_a_large_log_is_read_in_chunks_not_all_at_once(staff_client, monkeypatch):
    """Memory stays flat: while the first lines go out, only the first chunk of
    rows has been loaded, whatever the size of the log."""
    monkeypatch.setattr(export, "CHUNK_SIZE", 100)
    total = 5000
    ProductChange.objects.bulk_create(
        ProductChangeFactory.build(product_name=f"P{n}") for n in range(total)
    )
    loaded = []

    def count(sender, instance, **kwargs):
        loaded.append(instance.pk)

    post_init.connect(count, sender=ProductChange)
    response = staff_client.get(URL)
    try:
        chunks = iter(response.streaming_content)
        next(chunks)  # the header
        next(chunks)  # the first rows
        assert 100 <= len(loaded) <= 200
        rest = list(chunks)
    finally:
        response.close()
        post_init.disconnect(count, sender=ProductChange)

    assert len(loaded) == total
    assert len(rest) == total // 100 - 1
    lines = sum(chunk.count(b"\r\n") for chunk in rest) + 100
    assert lines == total


@pytest.mark.django_db(transaction=True)
async def test_under_asgi_the_rows_stream_as_they_are_read(staff_user, monkeypatch):
    """Given a plain iterator, Django's ASGI handler reads it whole into a list
    before sending: under daphne the export must be an async iterator."""
    monkeypatch.setattr(export, "CHUNK_SIZE", 10)
    from asgiref.sync import sync_to_async

    await sync_to_async(
        lambda: ProductChange.objects.bulk_create(
            ProductChangeFactory.build(product_name=f"P{n}") for n in range(50)
        )
    )()
    client = AsyncClient()
    await sync_to_async(client.force_login)(staff_user)

    response = await client.get(URL)

    assert response.is_async
    chunks = [chunk async for chunk in response.streaming_content]
    assert len(chunks) == 1 + 5
    body = b"".join(chunks).decode()
    assert body.count("\r\n") == 51
