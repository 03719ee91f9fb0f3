from django.urls import path

from accounts.decorators import staff_only
from accounts.roles import ADD_PRODUCT, WATCH_FEED

from .views import change_detail, change_restore, changes_export, product_feed

urlpatterns = [
    *staff_only(
        [
            path("products/", product_feed, name="dashboard-products"),
            path("products/export.csv", changes_export, name="dashboard-export"),
            path("products/changes/<int:pk>/", change_detail, name="dashboard-change"),
        ],
        permission=WATCH_FEED,
    ),
    *staff_only(
        [
            path(
                "products/changes/<int:pk>/restore/",
                change_restore,
                name="dashboard-restore",
            )
        ],
        permission=ADD_PRODUCT,
    ),
]
