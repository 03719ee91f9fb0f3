"""The staff table's margin and expiry sorts on PostgreSQL.

They order empty values last in both directions (``NULLS LAST``), which an
ordinary index read backwards cannot give, so each direction gets its own. SQLite
refuses ``NULLS LAST`` in an index and sorts these itself, which is fine at the
sizes SQLite serves. Nothing here is in the model's state.
"""

from django.db import migrations

INDEXES = {
    "product_margin_idx": '(("price" - "cost_price")) ASC NULLS LAST, "id" ASC',
    "product_margin_desc_idx": '(("price" - "cost_price")) DESC NULLS LAST, "id" DESC',
    "product_expiry_desc_idx": '"expiry_date" DESC NULLS LAST, "id" DESC',
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON products_product ({columns})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("products", "0012_table_sort_indexes")]

    operations = [migrations.RunPython(create, drop)]
