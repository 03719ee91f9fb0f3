from django.contrib import admin

from .models import Category, Product, ProductChange


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


@admin.register(ProductChange)
class ProductChangeAdmin(admin.ModelAdmin):
    """The change log is a record: readable here, never edited."""

    list_display = ["id", "created_at", "action", "product_name", "who"]
    list_filter = ["action", "source"]
    search_fields = ["product_name", "product_slug", "actor_name"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
