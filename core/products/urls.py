from django.urls import path, register_converter

from accounts.decorators import staff_only
from accounts.roles import (
    ADD_PRODUCT,
    CHANGE_PRODUCT,
    DELETE_PRODUCT,
    IMPORT_PRODUCTS,
    WATCH_FEED,
)
from products.views.batch_revert import batch_revert
from products.views.change_batch import change_batch
from products.views.product_bulk import product_bulk
from products.views.product_create import product_create
from products.views.product_delete import product_delete
from products.views.product_detail import product_detail
from products.views.product_export import import_template
from products.views.product_history import product_history
from products.views.product_import import product_import
from products.views.product_list import product_list
from products.views.product_revert import product_revert
from products.views.product_update import product_update


class UnicodeSlugConverter:
    """Like ``<slug:...>`` but also letters outside ASCII (slugs of unicode names)."""

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(UnicodeSlugConverter, "uslug")

# Fixed paths come before <slug>/ so that "create" is never read as a slug.
urlpatterns = [
    path("", product_list, name="product-list"),
    *staff_only(
        [path("create/", product_create, name="product-create")],
        permission=ADD_PRODUCT,
    ),
    *staff_only(
        [
            path("import/", product_import, name="product-import"),
            path(
                "import/template.csv",
                import_template,
                name="product-import-template",
            ),
        ],
        permission=IMPORT_PRODUCTS,
    ),
    *staff_only(
        [
            path("bulk/", product_bulk, name="product-bulk"),
            path("<uslug:slug>/edit/", product_update, name="product-update"),
        ],
        permission=CHANGE_PRODUCT,
    ),
    *staff_only(
        [path("<uslug:slug>/delete/", product_delete, name="product-delete")],
        permission=DELETE_PRODUCT,
    ),
    *staff_only(
        [
            path("<uslug:slug>/history/", product_history, name="product-history"),
            path("batches/<int:pk>/", change_batch, name="change-batch"),
        ],
        permission=WATCH_FEED,
    ),
    *staff_only(
        [
            path(
                "<uslug:slug>/history/<int:change_id>/revert/",
                product_revert,
                name="product-revert",
            ),
            path("batches/<int:pk>/revert/", batch_revert, name="batch-revert"),
        ],
        permission=CHANGE_PRODUCT,
    ),
    path("<uslug:slug>/", product_detail, name="product-detail"),
]
