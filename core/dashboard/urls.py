from django.urls import path

from accounts.decorators import staff_only

from .views import product_feed

urlpatterns = staff_only(
    [
        path("products/", product_feed, name="dashboard-products"),
    ]
)
