from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "products"

    def ready(self):
        # Imported for their receivers.
        from products import signals  # noqa: F401
        from products.catalog import streams  # noqa: F401
        from products.editing import edit_warnings  # noqa: F401
        from products.history import former_slugs  # noqa: F401
        from products.table import stream  # noqa: F401
