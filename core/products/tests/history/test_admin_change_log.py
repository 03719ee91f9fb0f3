"""The change log in the admin: readable, filterable by action, source and actor,
never edited."""

import re

import pytest

from accounts.tests.factories import WatcherFactory
from products.models import ProductChange
from products.tests.factories import ProductChangeFactory, ProductFactory, field_items

pytestmark = pytest.mark.django_db

LOG = "/admin/products/productchange/"


@pytest.fixture
def watcher_client(client):
    """Staff holding view_productchange: may read the log in the admin."""
    client.force_login(WatcherFactory())
    return client


def listed(response):
    ids = re.findall(rf'href="{LOG}(\d+)/change/', response.content.decode())
    return sorted({int(i) for i in ids})


@pytest.fixture
def log():
    return {
        "alice-created": ProductChangeFactory(action="created", actor_name="alice"),
        "bob-updated": ProductChangeFactory(actor_name="bob", source="admin"),
        "shell-deleted": ProductChangeFactory(action="deleted", source="shell"),
    }


def ids(log, *names):
    return sorted(log[name].pk for name in names)


def test_a_change_reads_like_the_feed_not_like_json(watcher_client):
    product = ProductFactory(name="Blue Mug", price="9.99")
    product.price = "12.50"
    product.save()
    change = ProductChange.objects.latest("pk")

    page = watcher_client.get(f"{LOG}{change.pk}/change/")

    html = page.content.decode()
    assert page.status_code == 200
    assert f'<article class="change change-updated" id="change-{change.pk}"' in html
    assert '<del class="old">$9.99</del>' in html
    assert '<ins class="new">$12.50</ins>' in html
    assert "&quot;field&quot;" not in html  # no raw JSON
    assert "css/admin_change_log.css" in html
    assert b'name="_save"' not in page.content


def test_the_list_names_the_changed_fields(watcher_client):
    ProductChangeFactory(changes=field_items(price=("1", "2"), quantity=("1", "2")))

    html = watcher_client.get(LOG).content.decode()

    assert '<td class="field-changed">price, quantity</td>' in html


@pytest.mark.parametrize(
    "query, expected",
    [
        ("action__exact=created", ["alice-created"]),
        ("action__exact=deleted", ["shell-deleted"]),
        ("source__exact=admin", ["bob-updated"]),
        ("source__exact=shell", ["shell-deleted"]),
        ("actor_name=alice", ["alice-created"]),
        ("actor_name=bob&source__exact=admin", ["bob-updated"]),
    ],
)
def test_the_log_filters_by_action_source_and_actor(
    watcher_client, log, query, expected
):
    response = watcher_client.get(f"{LOG}?{query}")

    assert response.status_code == 200
    assert listed(response) == ids(log, *expected)


def test_the_filters_are_offered(watcher_client, log):
    html = watcher_client.get(LOG).content.decode()

    headings = re.findall(r"<summary>\s*By ([^<]*?)\s*</summary>", html)
    assert headings == ["action", "source", "actor"]
    assert 'href="?actor_name=alice"' in html


def test_a_change_without_an_actor_is_offered_by_name(watcher_client, log):
    # The shell's change has no username: its filter link had no text (axe's
    # "link-name").
    html = watcher_client.get(LOG).content.decode()

    assert re.findall(r'<a href="\?actor_name=">([^<]*)</a>', html) == ["(no user)"]
    response = watcher_client.get(f"{LOG}?actor_name=")
    assert listed(response) == ids(log, "shell-deleted")
