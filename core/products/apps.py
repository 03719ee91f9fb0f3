from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "products"

    def ready(self):
        # Imported for their receivers.
        from . import edit_warnings, former_slugs, signals, streams  # noqa: F401
