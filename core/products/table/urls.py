"""The staff table's URLs and its exports (the table's filters, as a file),
named in the ``products`` namespace (``{% url 'products:manage' %}``).
Included before ``products.urls``: fixed paths come before ``<slug>/``."""

from django.urls import path

from accounts.decorators import staff_only
from accounts.roles import CHANGE_PRODUCT, VIEW_PRODUCT
from products.urls import UnicodeSlugConverter  # noqa: F401 (registers "uslug")
from products.views.product_export import export_csv, export_xlsx
from products.views.product_inline import product_inline
from products.views.product_table import product_table, table_selection

app_name = "products"

urlpatterns = [
    *staff_only(
        [
            path("manage/", product_table, name="manage"),
            path("manage/selection/", table_selection, name="selection"),
            path("export.csv", export_csv, name="export_csv"),
            path("export.xlsx", export_xlsx, name="export_xlsx"),
        ],
        permission=VIEW_PRODUCT,
    ),
    *staff_only(
        [path("<uslug:slug>/inline/", product_inline, name="inline")],
        permission=CHANGE_PRODUCT,
    ),
]
