"""Change rows recorded as display text become raw values.

Before, each field change was stored as ``{field, label, old, new}`` with display
text: a category by its name. Now it is ``{field, old, new}`` with the strings
``Field.value_to_string`` gives: a category by its primary key. Other values were
already stored that way (decimals at the field's scale, file names, numbers).

A category name that matches no category now (renamed or deleted since) cannot be
turned back into a key: that item keeps its old shape, label included, and is
shown as it was recorded (``products.history.change_display``).
"""

from django.db import migrations
from django.utils.text import capfirst

LEGACY_KEY = "label"
BATCH = 500


def relations(Product):
    """{field name: related model} of the product's foreign keys."""
    return {
        field.name: field.related_model
        for field in Product._meta.concrete_fields
        if field.is_relation and field.many_to_one
    }


def names_and_keys(model):
    """(name -> key text, key text -> name) of a related model whose rows were
    shown by their name (historical models have no ``__str__``)."""
    rows = list(model._default_manager.values_list("pk", "name"))
    return {name: str(pk) for pk, name in rows}, {str(pk): name for pk, name in rows}


def rewrite(ProductChange, convert):
    """Applies ``convert`` to every stored item and saves the rows it changed, a
    batch at a time by key (not while a cursor over the table is open: SQLite
    does not isolate it from the updates)."""
    last = 0
    while True:
        batch = list(
            ProductChange.objects.filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "changes")[:BATCH]
        )
        if not batch:
            return
        last = batch[-1].pk
        changed = []
        for change in batch:
            items = change.changes if isinstance(change.changes, list) else []
            converted = [
                convert(item) if isinstance(item, dict) else item for item in items
            ]
            if converted != items:
                change.changes = converted
                changed.append(change)
        ProductChange.objects.bulk_update(changed, ["changes"])


def to_raw_values(apps, schema_editor):
    Product = apps.get_model("products", "Product")
    ProductChange = apps.get_model("products", "ProductChange")
    keys = {
        name: names_and_keys(model)[0] for name, model in relations(Product).items()
    }

    def convert(item):
        if LEGACY_KEY not in item:
            return item
        values = [item.get("old") or "", item.get("new") or ""]
        if item.get("field") in keys:
            known = keys[item["field"]]
            if any(value and value not in known for value in values):
                return item  # shown as recorded
            values = [known[value] if value else "" for value in values]
        return {"field": item.get("field"), "old": values[0], "new": values[1]}

    rewrite(ProductChange, convert)


def to_display_text(apps, schema_editor):
    """Back to the old shape, for the code before this migration."""
    Product = apps.get_model("products", "Product")
    ProductChange = apps.get_model("products", "ProductChange")
    names = {
        name: names_and_keys(model)[1] for name, model in relations(Product).items()
    }
    labels = {
        field.name: capfirst(field.verbose_name)
        for field in Product._meta.concrete_fields
    }

    def convert(item):
        if LEGACY_KEY in item:
            return item
        field = item.get("field")
        values = [item.get("old") or "", item.get("new") or ""]
        if field in names:
            values = [names[field].get(value, value) for value in values]
        return {
            "field": field,
            "label": labels.get(field, field),
            "old": values[0],
            "new": values[1],
        }

    rewrite(ProductChange, convert)


class Migration(migrations.Migration):

    dependencies = [
        ("products", "0003_former_slugs"),
    ]

    operations = [
        migrations.RunPython(to_raw_values, to_display_text),
    ]
