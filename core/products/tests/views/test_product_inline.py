"""POST /products/<slug>/inline/: one cell of the staff table, through the write
path: saved (200), refused value (400), merged, or the same field moved on
(409, theirs and mine)."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import WatcherFactory
from core.testing.fixtures import logged_in_client
from products.editing import writes
from products.models import ProductChange
from products.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def url(product):
    return reverse("products:inline", args=[product.slug])


def edit(client, product, field, value, version=None, headers=HTMX, **extra):
    data = {
        "field": field,
        "value": value,
        "version": product.version if version is None else version,
        **extra,
    }
    return client.post(url(product), data, headers=headers)


def text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def value_of(response, product, field):
    return re.search(
        rf'id="table-{product.pk}-{field}-input"[^>]*value="([^"]*)"',
        response.content.decode(),
        re.S,
    )[1]


@pytest.fixture
def mug(db):
    return ProductFactory(name="Blue Mug", price=Decimal("12.50"), quantity=40)


def test_a_price_is_saved_recorded_and_the_row_answered(
    staff_client, mug, announced, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = edit(staff_client, mug, "price", "14.00")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith(f'<tr id="table-row-{mug.pk}">')
    assert value_of(response, mug, "price") == "14.00"
    assert f'id="table-{mug.pk}-price" class="cell cell-changed"' in html
    mug.refresh_from_db()
    assert mug.price == Decimal("14.00") and mug.version == 2
    change = ProductChange.objects.get(product=mug, action="updated")
    assert [item.field for item in change.field_changes] == ["price"]
    assert change.actor.username == "staff"
    assert [change_set.changes for change_set in announced] == [[change]]


def test_quantity_and_category(staff_client, mug):
    kitchen = CategoryFactory(name="Kitchen")
    assert edit(staff_client, mug, "quantity", "3").status_code == 200
    mug.refresh_from_db()
    response = edit(staff_client, mug, "category", str(kitchen.pk))
    assert response.status_code == 200
    mug.refresh_from_db()
    assert (mug.quantity, mug.category) == (3, kitchen)
    assert "Low stock" in text(response)
    assert edit(staff_client, mug, "category", "").status_code == 200
    mug.refresh_from_db()
    assert mug.category is None


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("price", "abc", "“abc”: Enter a number."),
        ("price", "-1", "“-1”: Ensure this value is greater than or equal to 0."),
        ("quantity", "2.5", "“2.5”: Enter a whole number."),
        ("quantity", "", "“”: This field is required."),
        ("category", "999999", "“999999”: Select a valid choice."),
    ],
)
def test_a_refused_value_is_shown_beside_its_cell(
    staff_client, mug, field, value, message
):
    response = edit(staff_client, mug, field, value)
    assert response.status_code == 400
    assert message in text(response)
    html = response.content.decode()
    assert f'aria-describedby="table-{mug.pk}-{field}-error"' in html
    if field != "category":
        assert value_of(response, mug, field) == value
    mug.refresh_from_db()
    assert mug.version == 1


def test_a_stale_row_whose_other_fields_moved_on_merges(staff_client, mug):
    shown = mug.version
    writes.product_update(product=mug, version=shown, data={"quantity": 7})
    response = edit(staff_client, mug, "price", "15.00", version=shown)
    assert response.status_code == 200
    mug.refresh_from_db()
    assert (mug.price, mug.quantity) == (Decimal("15.00"), 7)


def test_the_same_field_moved_on_is_a_409_showing_theirs_and_mine(staff_client, mug):
    shown = mug.version
    writes.product_update(product=mug, version=shown, data={"price": Decimal("13.00")})
    response = edit(staff_client, mug, "price", "15.00", version=shown)
    assert response.status_code == 409
    assert "theirs $13.00 , yours 15.00 ." in text(response)
    assert "Use mine" in text(response)
    mug.refresh_from_db()
    assert mug.price == Decimal("13.00")
    # "Use mine" posts the value again at the version now shown.
    form = re.search(
        r'<div class="inline-conflict".*?</form>', response.content.decode(), re.S
    )[0]
    data = dict(re.findall(r'name="(field|version|value)" value="([^"]*)"', form))
    assert staff_client.post(url(mug), data, headers=HTMX).status_code == 200
    mug.refresh_from_db()
    assert mug.price == Decimal("15.00")


def test_the_same_value_set_meanwhile_is_no_conflict(staff_client, mug):
    shown = mug.version
    writes.product_update(product=mug, version=shown, data={"price": Decimal("15.00")})
    assert edit(staff_client, mug, "price", "15.00", version=shown).status_code == 200


def test_a_deleted_product_is_404(staff_client, mug):
    writes.product_delete(product=mug, version=mug.version)
    assert edit(staff_client, mug, "price", "1.00").status_code == 404


def test_without_htmx_a_save_goes_back_to_the_table_view(staff_client, mug):
    view = reverse("products:manage") + "?sort=-price"
    response = edit(staff_client, mug, "price", "14.00", headers=None, next=view)
    assert response.status_code == 302 and response["Location"] == view
    response = edit(
        staff_client, mug, "price", "x", headers=None, version=mug.version + 1
    )
    assert response.status_code == 400
    assert "<html" in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"field": "name", "value": "x", "version": "1"},
        {"field": "price", "value": "1", "version": "abc"},
        {"field": "price", "value": "1"},
    ],
)
def test_malformed_posts_are_400(staff_client, mug, data):
    response = staff_client.post(url(mug), data, headers=HTMX)
    assert response.status_code == 400
    mug.refresh_from_db()
    assert mug.version == 1


def test_needs_the_change_permission(db, mug, client):
    assert edit(client, mug, "price", "1.00").status_code == 302
    watcher = logged_in_client(WatcherFactory())
    assert edit(watcher, mug, "price", "1.00").status_code == 403
    mug.refresh_from_db()
    assert mug.price == Decimal("12.50")


def test_get_is_not_allowed(staff_client, mug):
    assert staff_client.get(url(mug)).status_code == 405
