"""Trigram indexes for the catalog's search on PostgreSQL.

The search is a case-insensitive substring match on name, SKU and description
(``icontains``: ``UPPER(col::text) LIKE UPPER('%term%')``), the same on both
backends. On PostgreSQL a GIN index of trigrams on exactly that expression
answers it without reading every product. SQLite has no such index and keeps
scanning, which is fine at the sizes SQLite serves. Nothing here is in the
model's state: the indexes exist on PostgreSQL only.
"""

from django.db import migrations

SEARCHED = ("name", "sku", "description")


def index_name(column):
    return f"product_{column}_trgm_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Trusted since PostgreSQL 13: the database's owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in SEARCHED:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index_name(column)} ON products_product "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in SEARCHED:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index_name(column)}")
    # The extension stays: something else of the database's may use it.


class Migration(migrations.Migration):
    dependencies = [("products", "0008_change_alerts_and_alert_indexes")]

    operations = [migrations.RunPython(create, drop)]
