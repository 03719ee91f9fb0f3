from django.db import migrations, models


def count_the_catalog(apps, schema_editor):
    """The counters start from one full count of the catalog, folded; writes
    keep them from then on."""
    from products.alerts.stock_counts import counted

    Product = apps.get_model("products", "Product")
    StockCount = apps.get_model("products", "StockCount")
    StockCount.objects.bulk_create(
        StockCount(counter=counter, bucket=bucket, amount=amount, folded=True)
        for (counter, bucket), amount in sorted(counted(Product).items())
    )


class Migration(migrations.Migration):

    dependencies = [
        ("products", "0013_table_sort_indexes_postgresql"),
    ]

    operations = [
        migrations.CreateModel(
            name="StockCountCheck",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("checked_at", models.DateTimeField(null=True)),
                ("drift", models.JSONField(default=dict)),
            ],
        ),
        migrations.CreateModel(
            name="StockCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("counter", models.CharField(max_length=16)),
                ("bucket", models.IntegerField(default=0)),
                ("amount", models.DecimalField(decimal_places=2, max_digits=40)),
                ("folded", models.BooleanField(default=False)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("folded", True)),
                        fields=("counter", "bucket"),
                        name="stock_count_one_folded",
                    )
                ],
            },
        ),
        migrations.RunPython(count_the_catalog, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(
                fields=["quantity", "name"], name="product_quantity_name_idx"
            ),
        ),
    ]
