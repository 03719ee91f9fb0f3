"""The staff table's URLs, named in the ``products`` namespace
(``{% url 'products:manage' %}``). Included before ``products.urls``: fixed
paths come before ``<slug>/``."""

from django.urls import path

from accounts.decorators import staff_only
from accounts.roles import CHANGE_PRODUCT, VIEW_PRODUCT

from .urls import UnicodeSlugConverter  # noqa: F401 (registers "uslug")
from .views.product_inline import product_inline
from .views.product_table import product_table, table_selection

app_name = "products"

urlpatterns = [
    *staff_only(
        [
            path("manage/", product_table, name="manage"),
            path("manage/selection/", table_selection, name="selection"),
        ],
        permission=VIEW_PRODUCT,
    ),
    *staff_only(
        [path("<uslug:slug>/inline/", product_inline, name="inline")],
        permission=CHANGE_PRODUCT,
    ),
]
