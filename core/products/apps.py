from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "products"

    def ready(self):
        from . import signals  # noqa: F401  (connects the change recorders)
