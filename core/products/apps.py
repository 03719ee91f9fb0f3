from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "products"

    def ready(self):
        from . import former_slugs, signals  # noqa: F401  (connect their receivers)
