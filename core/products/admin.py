from django import forms
from django.contrib import admin
from django.db import IntegrityError, models

from . import writes
from .models import Category, Product, ProductChange
from .uploads import write_transaction
from .admin_change_log import ActorFilter, readable_change


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "sku", "category", "price", "quantity", "updated_at"]
    list_filter = ["category"]
    search_fields = ["name", "sku", "description", "supplier"]
    list_select_related = ["category"]
    readonly_fields = ["created_at", "updated_at"]
    # The model field checks uploads, as in our own form (see ProductForm).
    formfield_overrides = {models.ImageField: {"form_class": forms.FileField}}

    def changeform_view(self, request, *args, **kwargs):
        try:
            # Outermost, so that an image stored by a save the admin then rolls
            # back is deleted with it.
            with write_transaction():
                return super().changeform_view(request, *args, **kwargs)
        except IntegrityError:
            # Another write took this SKU or address after the form checked it,
            # and has committed by now: checked again, the form explains it
            # beside the field. A second failure is not such a race.
            for _, files in request.FILES.lists():
                for file in files:
                    file.seek(0)
            with write_transaction():
                return super().changeform_view(request, *args, **kwargs)

    def save_model(self, request, obj, form, change):
        writes.product_save(product=obj)

    def delete_model(self, request, obj):
        writes.product_delete(product=obj)

    def delete_queryset(self, request, queryset):
        with write_transaction():  # the selection goes as a whole or not at all
            for product in queryset:
                writes.product_delete(product=product)


@admin.register(ProductChange)
class ProductChangeAdmin(admin.ModelAdmin):
    """The change log is a record: readable here, never edited."""

    list_display = ["id", "created_at", "action", "product_name", "who", "changed"]
    list_filter = ["action", "source", ("actor_name", ActorFilter)]
    search_fields = ["product_name", "product_slug", "actor_name"]
    date_hierarchy = "created_at"
    # Readable, as the feed shows it, rather than the stored JSON.
    fields = ["readable", "product", "product_slug", "actor", "source"]
    readonly_fields = fields

    class Media:
        css = {"all": ["css/admin_change_log.css"]}

    @admin.display(description="change")
    def readable(self, change):
        return readable_change(change)

    @admin.display(description="fields")
    def changed(self, change):
        return ", ".join(item.field for item in change.field_changes)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
