from django.apps import AppConfig


class LiveConfig(AppConfig):
    """An app for its template tags and its receivers."""

    name = "live"

    def ready(self) -> None:
        from . import revocation  # noqa: F401  (closes sockets of ended sessions)
