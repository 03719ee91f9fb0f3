"""Reverting one change from a product's timeline:
/products/<slug>/history/<change_id>/revert/."""

import re
from decimal import Decimal

import pytest

from accounts.tests.factories import StaffWithoutPermissionsFactory, WatcherFactory
from products.editing import writes
from products.models import ProductChange
from products.tests.factories import ProductFactory
from products.tests.helpers import edit

pytestmark = pytest.mark.django_db


def revert_url(product, change):
    return f"/products/{product.slug}/history/{change.pk}/revert/"


def plan_rows(response):
    """(field, now, after reverting) of each row of the page's table."""
    return re.findall(
        r'<tr data-field="(\w+)".*?<del class="old">(.*?)</del>'
        r'.*?<ins class="new">(.*?)</ins>',
        response.content.decode(),
        re.S,
    )


def row_of(html, change):
    """The markup of ``change``'s row in a page."""
    return html.split(f'id="change-{change.pk}"')[1].split("</article>")[0]


@pytest.fixture
def repriced():
    """A product whose price was changed once: (product, that change)."""
    product = ProductFactory(name="Blue Mug", price=Decimal("9.99"), quantity=5)
    return product, edit(product, price=Decimal("12.50"))


def test_anonymous_visitors_are_sent_to_log_in(client, repriced):
    url = revert_url(*repriced)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("make_user", [WatcherFactory, StaffWithoutPermissionsFactory])
def test_staff_without_change_product_get_403(client, repriced, make_user):
    client.force_login(make_user())

    assert client.get(revert_url(*repriced)).status_code == 403
    assert client.post(revert_url(*repriced), {"version": 2}).status_code == 403
    assert repriced[0].changes.count() == 2


def test_the_page_shows_what_reverting_sets_back_and_carries_the_version(
    staff_client, repriced
):
    response = staff_client.get(revert_url(*repriced))

    assert response.status_code == 200
    html = response.content.decode()
    assert plan_rows(response) == [("price", "$12.50", "$9.99")]
    assert 'name="version" value="2"' in html
    assert '<button type="submit" class="button">Revert</button>' in html


def test_reverting_writes_the_old_values_and_goes_to_the_timeline(
    staff_client, repriced
):
    product, change = repriced

    response = staff_client.post(revert_url(product, change), {"version": 2})

    assert response.status_code == 302
    assert response["Location"] == f"/products/{product.slug}/history/"
    product.refresh_from_db()
    assert (product.price, product.version) == (Decimal("9.99"), 3)
    assert product.changes.latest("pk").reverts == change
    page = staff_client.get(response["Location"]).content.decode()
    assert f"Reverted change #{change.pk} of “Blue Mug”." in page


def test_a_field_changed_since_is_a_409_listing_it_and_nothing_is_saved(
    staff_client,
):
    product = ProductFactory(price=Decimal("9.99"), quantity=5)
    change = edit(product, price=Decimal("12.50"), quantity=3)
    edit(product, quantity=7)

    response = staff_client.post(
        revert_url(product, change), {"version": product.version}
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "It cannot be reverted now" in html
    assert (
        '<li data-field="quantity"><strong>Quantity</strong> is 7 now. '
        "Changed since: this change set it to 3.</li>"
    ) in html
    assert 'data-field="price"><strong>' not in html  # price could go back
    assert "<button" not in html.split("It cannot be reverted now")[1]
    product.refresh_from_db()
    assert (product.price, product.quantity) == (Decimal("12.50"), 7)


def test_a_stale_version_is_a_409_with_what_changed_and_the_current_version(
    staff_client, repriced
):
    product, change = repriced
    edit(product, supplier="Elsewhere")

    response = staff_client.post(revert_url(product, change), {"version": 2})

    assert response.status_code == 409
    html = response.content.decode()
    assert "“Blue Mug” was changed since you opened this page" in html
    assert "Nothing was reverted." in html
    assert 'name="version" value="3"' in html
    product.refresh_from_db()
    assert product.price == Decimal("12.50")


def test_a_form_without_its_version_is_refused(staff_client, repriced):
    response = staff_client.post(revert_url(*repriced), {})

    assert response.status_code == 400
    assert "sent without the version" in response.content.decode()
    assert repriced[0].changes.count() == 2


def test_reverting_a_revert_applies_the_change_again(staff_client, repriced):
    product, change = repriced
    staff_client.post(revert_url(product, change), {"version": 2})
    undo = product.changes.latest("pk")

    response = staff_client.post(revert_url(product, undo), {"version": 3})

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.price == Decimal("12.50")


def test_a_change_made_under_an_old_slug_reverts_at_the_new_one(staff_client):
    product = ProductFactory(name="Blue Mug", quantity=5)
    change = edit(product, quantity=3)
    edit(product, slug="azure-mug")

    old = staff_client.get(f"/products/blue-mug/history/{change.pk}/revert/?x=1")
    assert old.status_code == 301
    assert old["Location"] == f"/products/azure-mug/history/{change.pk}/revert/?x=1"

    response = staff_client.post(
        f"/products/azure-mug/history/{change.pk}/revert/", {"version": 3}
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.quantity, product.slug) == (5, "azure-mug")


def test_a_change_of_another_product_is_404(staff_client, repriced):
    other = ProductFactory()

    assert staff_client.get(revert_url(other, repriced[1])).status_code == 404


def test_a_creation_is_refused_with_the_reason(staff_client, repriced):
    product, _ = repriced
    creation = product.changes.get(action=ProductChange.Action.CREATED)

    response = staff_client.post(revert_url(product, creation), {"version": 2})

    assert response.status_code == 400
    assert "A creation cannot be reverted" in response.content.decode()
    assert product.changes.count() == 2


def test_a_deletion_is_refused_and_pointed_to_restore(staff_client, repriced):
    product, _ = repriced
    gone = ProductFactory()
    writes.product_delete(product=gone, version=gone.version)
    deletion = ProductChange.objects.latest("pk")

    response = staff_client.get(revert_url(product, deletion))

    assert response.status_code == 400
    assert "A deletion is not reverted but restored" in response.content.decode()


def test_values_and_names_are_escaped(staff_client):
    product = ProductFactory(name="<b>Mug</b>", supplier="<i>Acme</i>")
    change = edit(product, supplier="<script>x</script>")

    html = staff_client.get(revert_url(product, change)).content.decode()

    assert "<script>x" not in html and "<i>Acme" not in html and "<b>Mug" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "&lt;i&gt;Acme&lt;/i&gt;" in html


# The timeline's rows -----------------------------------------------------------


def test_update_rows_offer_revert_to_those_who_may_use_it(
    staff_client, client, repriced
):
    product, change = repriced
    history = f"/products/{product.slug}/history/"
    client.force_login(WatcherFactory())

    staff_html = staff_client.get(history).content.decode()
    watcher_html = client.get(history).content.decode()

    link = f'class="change-control change-revert" href="{revert_url(product, change)}"'
    assert link in staff_html and link in watcher_html  # one row for everyone
    assert 'class="feed timeline may-revert may-restore"' in staff_html
    assert 'class="feed timeline "' in watcher_html  # the CSS keeps it hidden


def test_a_revert_and_the_reverted_row_link_each_other(staff_client, repriced):
    product, change = repriced
    staff_client.post(revert_url(product, change), {"version": 2})
    undo = product.changes.latest("pk")

    html = staff_client.get(f"/products/{product.slug}/history/").content.decode()

    undo_row, reverted_row = row_of(html, undo), row_of(html, change)
    assert (
        f'Reverts <a href="/dashboard/products/changes/{change.pk}/">'
        f"change #{change.pk}</a>."
    ) in undo_row
    assert (
        f'Reverted by <a href="/dashboard/products/changes/{undo.pk}/">'
        f"change #{undo.pk}</a>."
    ) in reverted_row
