from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"

    def ready(self):
        from . import broadcast  # noqa: F401  (listens to changes_committed)
