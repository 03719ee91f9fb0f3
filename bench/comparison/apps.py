from django.apps import AppConfig


class ComparisonConfig(AppConfig):
    """Bench-only: the models ``bench/write_path.py`` compares the product write
    path with. Installed by ``core.settings.bench`` alone, never by the app."""

    name = "bench.comparison"
    label = "bench_comparison"
    default_auto_field = "django.db.models.BigAutoField"
