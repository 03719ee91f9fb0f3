"""Migration 0007: products at the addresses that became the site's own pages
(/products/import/, /products/bulk/) move to the next free numbered one."""

import pytest

from .test_migrations import latest, migrate

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
