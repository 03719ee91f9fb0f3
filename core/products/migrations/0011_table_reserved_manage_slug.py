from django.db import migrations, models

# The staff table's address (/products/manage/) became the site's own page.
NEWLY_RESERVED = ("manage",)


def move_products_off_reserved_slugs(apps, schema_editor):
    """A product already at a newly reserved address moves to the next free
    numbered one (``manage-2``), as a new product with that name would."""
    Product = apps.get_model("products", "Product")
    for product in Product.objects.filter(slug__in=NEWLY_RESERVED):
        number = 2
        while Product.objects.filter(slug=f"{product.slug}-{number}").exists():
            number += 1
        product.slug = f"{product.slug}-{number}"
        product.save(update_fields=["slug"])


class Migration(migrations.Migration):

    dependencies = [
        ("products", "0010_undo_batch_reverts"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="product",
            name="product_slug_usable",
        ),
        migrations.RunPython(
            move_products_off_reserved_slugs, migrations.RunPython.noop
        ),
        migrations.AddConstraint(
            model_name="product",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("slug", ""), _negated=True),
                    models.Q(
                        ("slug__in", frozenset(["bulk", "create", "import", "manage"])),
                        _negated=True,
                    ),
                ),
                name="product_slug_usable",
            ),
        ),
    ]
