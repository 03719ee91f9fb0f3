from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "products"

    def ready(self):
        # Imported for their receivers.
        from . import (  # noqa: F401
            edit_warnings,
            former_slugs,
            signals,
            streams,
            table_stream,
        )
