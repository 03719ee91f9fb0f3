from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.static import serve

from .health import healthz, readyz
from .metrics import metrics

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="product-list"), name="home"),
    # The staff table's named URLs (products:manage), before the catalog's <slug>/.
    path("products/", include("products.table.urls")),
    path("products/", include("products.urls")),
    path("accounts/", include("accounts.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
]

if settings.SERVE_MEDIA:
    # Uploaded images, for the single-box deployments this project targets
    # (make run, docker-compose). Behind a real web server, turn this off.
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [
        re_path(
            rf"^{media_prefix}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]
