from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "products"

    def ready(self):
        # Imported for their receivers.
        from . import former_slugs, signals, streams  # noqa: F401
