from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"

    def ready(self):
        from . import broadcast  # noqa: F401  (listens to product_changed)
        from . import revocation  # noqa: F401  (closes sockets of ex-staff)
        from . import shutdown  # noqa: F401  (closes sockets when the server stops)
