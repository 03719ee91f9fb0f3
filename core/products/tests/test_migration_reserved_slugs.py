"""Migration 0007: products at the addresses that became the site's own pages
(/products/import/, /products/bulk/) move to the next free numbered one."""

import pytest

from products.tests.test_migrations import latest, migrate

BEFORE = [("products", "0006_batches_reverts_and_stock_fields")]
AFTER = [("products", "0007_imports_batch_entry_and_reserved_slugs")]


@pytest.mark.django_db(transaction=True)
def test_products_at_newly_reserved_addresses_move_to_numbered_ones():
    old_apps = migrate(BEFORE)
    try:
        Product = old_apps.get_model("products", "Product")

        def product(slug, sku):
            return Product.objects.create(name=slug, slug=slug, sku=sku, price=1)

        product("import", "A")
        product("import-2", "B")
        product("bulk", "C")
        product("bulky", "D")
        new_apps = migrate(AFTER)
        Product = new_apps.get_model("products", "Product")
        assert dict(Product.objects.values_list("sku", "slug")) == {
            "A": "import-3",
            "B": "import-2",
            "C": "bulk-2",
            "D": "bulky",
        }
    finally:
        migrate(latest())


@pytest.mark.django_db(transaction=True)
def test_a_product_at_the_tables_address_moves_to_a_numbered_one():
    """Migration 0011: /products/manage/ is the staff table."""
    old_apps = migrate([("products", "0010_undo_batch_reverts")])
    try:
        Product = old_apps.get_model("products", "Product")
        Product.objects.create(name="Manage", slug="manage", sku="M", price=1)
        new_apps = migrate([("products", "0011_table_reserved_manage_slug")])
        Product = new_apps.get_model("products", "Product")
        assert Product.objects.get(sku="M").slug == "manage-2"
    finally:
        migrate(latest())


def test_a_product_cannot_take_the_tables_address(db):
    from django.core.exceptions import ValidationError

    from products.models import Product

    with pytest.raises(ValidationError, match="reserved"):
        Product(name="Manage", sku="M", price=1).full_clean()
