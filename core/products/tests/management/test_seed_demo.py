"""seed_demo: the demo catalog and logins, safe to run again.

Seeding makes 42 pictures, so the tests that read what a first run leaves share
one run (``TestASeededDatabase``, rolled back after them). The others start
from an empty database and seed only the few products they need.
"""

from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from PIL import Image

from accounts.groups import permissions
from products.management.commands import seed_demo
from products.models import Category, Product, ProductChange

pytestmark = pytest.mark.django_db

LOGINS = [
    ("staff", "staff-demo-pass", True, False),
    ("watcher", "watcher-demo-pass", True, False),
    ("admin", "admin-demo-pass", True, True),
    ("shopper", "shopper-demo-pass", False, False),
]


@pytest.fixture
def few_products(monkeypatch):
    """Two demo products instead of 42, for tests about something else."""
    monkeypatch.setattr(seed_demo, "PRODUCTS", seed_demo.PRODUCTS[:2])


def seed(*args):
    """The command with its demo logins: the tests run with DEBUG off, make run
    (where no flag is needed) with DEBUG on."""
    out = StringIO()
    call_command(
        "seed_demo", "--allow-demo-passwords", *args, stdout=out, stderr=StringIO()
    )
    return out.getvalue()


def media_files(root):
    root = Path(root)
    return {
        (str(path.relative_to(root)), path.stat().st_size, path.stat().st_mtime_ns)
        for path in root.rglob("*")
        if path.is_file()
    }


def state():
    User = get_user_model()
    return {
        "categories": Category.objects.count(),
        "products": sorted(
            Product.objects.values_list(
                "sku", "slug", "image", "price", "quantity", "updated_at"
            )
        ),
        "changes": ProductChange.objects.count(),
        "users": sorted(
            User.objects.values_list("username", "password", "is_staff", "last_login")
        ),
        "groups": sorted(
            Group.objects.values_list("name", "permissions__codename", "user__username")
        ),
    }


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """One full run for the class: its output and media folder. Each test runs
    in a savepoint inside this transaction, which is rolled back after the
    last; the pictures are in a folder of the class's own."""
    media = tmp_path_factory.mktemp("seeded") / "media"
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        with transaction.atomic():
            yield SimpleNamespace(output=seed(), media_root=media)
            transaction.set_rollback(True)


class TestASeededDatabase:
    @pytest.fixture(autouse=True)
    def media_root(self, settings, seeded):
        settings.MEDIA_ROOT = seeded.media_root
        return seeded.media_root

    def test_seeds_categories_and_products_with_pictures(self, media_root):
        assert Category.objects.count() >= 4
        assert Product.objects.count() >= 40
        products = list(Product.objects.select_related("category"))
        assert all(product.category for product in products)
        assert all(
            product.slug and product.sku and product.supplier for product in products
        )
        quantities = [product.quantity for product in products]
        assert 0 in quantities
        assert any(0 < quantity <= 5 for quantity in quantities)

        for product in products:
            path = Path(product.image.path)
            assert product.image.name.startswith("products/")
            assert path.is_relative_to(media_root / "products")
            with Image.open(path) as picture:
                picture.verify()
            with Image.open(path) as picture:
                assert picture.size == (600, 450)

    def test_every_product_creation_is_recorded_with_the_command_as_source(self):
        changes = ProductChange.objects.all()
        assert changes.count() == Product.objects.count()
        assert {change.action for change in changes} == {ProductChange.Action.CREATED}
        assert {change.source for change in changes} == {"command seed_demo"}
        assert {change.actor_id for change in changes} == {None}
        assert set(changes.values_list("product__sku", flat=True)) == set(
            Product.objects.values_list("sku", flat=True)
        )

    def test_creates_the_demo_logins_and_prints_them(self, seeded):
        User = get_user_model()
        for username, password, is_staff, is_superuser in LOGINS:
            user = User.objects.get(username=username)
            assert (user.is_active, user.is_staff, user.is_superuser) == (
                True,
                is_staff,
                is_superuser,
            )
            assert authenticate(username=username, password=password) == user
            assert username in seeded.output
            assert password in seeded.output
        assert "http://127.0.0.1:8000/accounts/login/" in seeded.output
        assert "KIT-1001" in seeded.output  # the product listing

    def test_the_links_point_at_the_site_url_given(self):
        output = seed("--site-url", "http://127.0.0.1:8101")
        assert "Log in at http://127.0.0.1:8101/accounts/login/" in output
        assert "http://127.0.0.1:8101/dashboard/products/" in output
        assert ":8000" not in output

    def test_creates_the_role_groups_with_their_permissions(self):
        assert {
            group.name: set(group.permissions.values_list("codename", flat=True))
            for group in Group.objects.all()
        } == {
            "Catalog editors": {
                "add_product",
                "change_product",
                "delete_product",
                "view_product",
                "view_productchange",
            },
            "Feed watchers": {"view_product", "view_productchange"},
        }

    @pytest.mark.parametrize(
        "username, may",
        [
            ("staff", {"add_product", "change_product", "delete_product", "watch"}),
            ("watcher", {"watch"}),
            ("admin", {"add_product", "change_product", "delete_product", "watch"}),
            ("shopper", set()),
        ],
    )
    def test_each_demo_login_may_do_what_its_role_says(self, username, may):
        user = get_user_model().objects.get(username=username)

        checks = {
            "add_product": "products.add_product",
            "change_product": "products.change_product",
            "delete_product": "products.delete_product",
            "watch": "products.view_productchange",
        }
        assert {name for name, perm in checks.items() if user.has_perm(perm)} == may

    def test_quiet_hides_the_product_listing_but_not_the_logins(self):
        output = seed("--quiet")

        assert "KIT-1001" not in output
        for username, password, _, _ in LOGINS:
            assert username in output
            assert password in output

    def test_running_again_changes_nothing(self, media_root):
        before, files_before = state(), media_files(media_root)
        assert len(files_before) == Product.objects.count()

        output = seed()

        assert state() == before
        assert media_files(media_root) == files_before
        assert "0 created" in output

    def test_only_missing_products_are_created(self):
        Product.objects.get(sku="KIT-1001").delete()
        changes = ProductChange.objects.count()

        seed()

        assert Product.objects.filter(sku="KIT-1001").exists()
        assert ProductChange.objects.count() == changes + 1
        assert Product.objects.count() == len(seed_demo.PRODUCTS)

    def test_the_flag_allows_the_logins_with_debug_off_with_a_loud_warning(
        self, settings
    ):
        settings.DEBUG = False
        errors = StringIO()
        call_command(
            "seed_demo", "--allow-demo-passwords", stdout=StringIO(), stderr=errors
        )
        assert "PUBLISHED passwords" in errors.getvalue()
        assert authenticate(username="admin", password="admin-demo-pass") is not None

    def test_with_debug_on_no_flag_is_needed(self, settings):
        settings.DEBUG = True
        errors = StringIO()
        call_command("seed_demo", stdout=StringIO(), stderr=errors)
        assert "PUBLISHED" not in errors.getvalue()


# From an empty database ------------------------------------------------------


def test_an_existing_demo_user_joins_its_group_and_extra_permissions_stay(
    few_products,
):
    User = get_user_model()
    User.objects.create_user(username="watcher", password="mine", is_staff=True)
    watchers = Group.objects.create(name="Feed watchers")
    watchers.permissions.add(*permissions(["products.change_product"]))

    seed()

    watcher = User.objects.get(username="watcher")
    assert watcher.has_perm("products.view_productchange")
    assert watcher.has_perm("products.change_product")  # chosen by hand: kept
    assert authenticate(username="watcher", password="mine") == watcher


def test_existing_users_keep_their_password(few_products):
    User = get_user_model()
    User.objects.create_user(
        username="staff", password="changed-by-hand", is_staff=True
    )

    seed()

    assert authenticate(username="staff", password="changed-by-hand") is not None
    assert authenticate(username="staff", password="staff-demo-pass") is None


def test_a_failed_run_leaves_no_rows_and_no_pictures(
    media_root, monkeypatch, few_products
):
    def fail(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(seed_demo.Command, "seed_users", fail)

    with pytest.raises(RuntimeError):
        seed()

    assert Product.objects.count() == 0
    assert ProductChange.objects.count() == 0
    assert media_files(media_root) == set()


def test_with_debug_off_it_refuses_to_create_the_published_logins(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--allow-demo-passwords"):
        call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    assert not get_user_model().objects.exists()
    assert Product.objects.count() == 0


def test_the_demo_products_are_one_batch_and_one_feed_entry(few_products, media_root):
    from products.history.batches import feed_entries
    from products.models import ChangeBatch

    seed()

    batch = ChangeBatch.objects.get()
    assert (batch.label, batch.source) == ("demo catalog", "command seed_demo")
    assert batch.summary["created"] == 2
    assert batch.changes.count() == Product.objects.count() == 2
    assert feed_entries(ProductChange.objects).count() == 1
    for product in Product.objects.all():
        assert (Path(media_root) / product.image.name).is_file()
