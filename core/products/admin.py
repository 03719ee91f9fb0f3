import copy

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime

from products.editing import writes
from products.editing.conflict_choices import ConflictChoicesForm, missing_choices
from products.editing.forms import (
    STOCK_ERRORS,
    ProductDeleteForm,
    describe_stock_fields,
    version_field,
)
from products.editing.stale_edits import kept_message
from products.history.admin_change_log import ActorFilter, readable_change
from products.images.uploads import write_transaction
from products.models import Category, Product, ProductChange

CHANGED_MEANWHILE = (
    "This product was changed since you opened this page, and you changed some "
    "of the same fields to other values; nothing was saved. What changed is "
    "listed below: choose whose value to keep for each of those fields, then "
    "save again. Your other changes are merged with theirs."
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class ProductAdminForm(forms.ModelForm):
    """The admin's product form. The rules are the model's, as in our own forms;
    a change form also carries the version it was opened at."""

    class Meta:
        model = Product
        fields = "__all__"
        # The model field checks uploads, as in our own form (see ProductForm).
        field_classes = {"image": forms.FileField}
        error_messages = STOCK_ERRORS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        describe_stock_fields(self)
        self.conflict = None
        self.choices = ConflictChoicesForm(self.data if self.is_bound else None)
        if self.instance.pk is not None:
            # Not a model form field (the database counts it); the change form
            # template renders it as a hidden input.
            self.fields["version"] = version_field()
            self.initial.setdefault("version", self.instance.version)
            # The values loaded with the version, before the form sets its own.
            self.loaded = copy.copy(self.instance)

    def _post_clean(self):
        super()._post_clean()  # the instance now holds the form's values
        version = self.cleaned_data.get("version")
        if self.errors or version is None:
            return
        stale = version != self.loaded.version or self.choices.attempted
        if stale:  # merged on save; refused here only if fields conflict
            self.conflict = writes.merge_conflict(
                product=self.loaded,
                new=self.instance,
                names=writes.edited_fields(self.fields),
                version=version,
                chosen=self.choices.chosen(),
                base=self.choices.base(),
                untouched=writes.untouched_files(self),
            )
        if self.conflict is not None:
            self.add_error(None, ValidationError(CHANGED_MEANWHILE, code="stale"))

    def version_to_send(self):
        """The version the next submit is made against: the current one after a
        conflict, with the one the user's values started from beside it."""
        if self.conflict is not None:
            return self.conflict.product.version
        return self["version"].value()

    def missing_choices(self):
        if self.conflict is None or not self.choices.attempted:
            return ""
        return missing_choices(self.conflict)

    def made_choices(self):
        """Choices made on an earlier conflict page that still stand."""
        conflicting = {item.field for item in self.conflict.conflicts}
        return {
            name: side
            for name, side in self.choices.chosen().items()
            if name not in conflicting
        }


class _LostRace(Exception):
    """A write lost a race the form had checked (a unique value, the version)."""


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductAdminForm
    list_display = [
        "name",
        "sku",
        "category",
        "price",
        "cost_price",
        "quantity",
        "expiry_date",
        "updated_at",
    ]
    list_filter = ["category"]
    search_fields = ["name", "sku", "description", "supplier"]
    list_select_related = ["category"]
    readonly_fields = ["version", "created_at", "updated_at"]

    def get_object(self, request, object_id, from_field=None):
        product = super().get_object(request, object_id, from_field)
        if product is not None:
            # The values loaded with its version, before the form changes them.
            product._as_loaded = copy.copy(product)
        return product

    def changeform_view(self, request, *args, **kwargs):
        try:
            # Outermost, so that an image stored by a save the admin then rolls
            # back is deleted with it.
            with write_transaction():
                response = super().changeform_view(request, *args, **kwargs)
        except (IntegrityError, writes.StaleVersion, _LostRace):
            # Another write took this SKU or address, or wrote a conflicting
            # value, after the form checked it, and has committed by now:
            # checked again, the form explains it. A second failure is not such
            # a race.
            for _, files in request.FILES.lists():
                for file in files:
                    file.seek(0)
            with write_transaction():
                response = super().changeform_view(request, *args, **kwargs)
        except writes.ProductGone as refusal:
            return self._gone(request, refusal)
        adminform = (getattr(response, "context_data", None) or {}).get("adminform")
        if adminform is not None and adminform.form.conflict is not None:
            response.status_code = 409  # nothing saved: fields to decide
        return response

    def save_model(self, request, obj, form, change):
        if change:
            updated = writes.product_update_merging(
                product=obj._as_loaded,
                form=form,
                version=form.cleaned_data["version"],
                chosen=form.choices.chosen(),
                base=form.choices.base(),
            )
            if updated is not None and updated.kept:
                self.message_user(request, kept_message(updated.kept), messages.INFO)
            saved = updated
        else:
            saved = writes.product_create(form=form)
        if saved is None:
            raise _LostRace

    def delete_view(self, request, object_id, extra_context=None):
        if request.method == "POST" and not ProductDeleteForm(request.POST).is_valid():
            self.message_user(
                request,
                "Nothing was deleted: the confirmation was sent without the version "
                "of the product it showed. Check it and confirm again.",
                messages.ERROR,
            )
            return redirect(request.get_full_path())
        try:
            return super().delete_view(request, object_id, extra_context)
        except writes.StaleVersion as refusal:
            self.message_user(
                request, changed_meanwhile(refusal, "deleted"), messages.ERROR
            )
            return redirect(request.get_full_path())
        except writes.ProductGone as refusal:
            return self._gone(request, refusal)

    def delete_model(self, request, obj):
        form = ProductDeleteForm(request.POST)
        form.is_valid()  # delete_view has refused a POST without a version
        writes.product_delete(product=obj, version=form.cleaned_data["version"])

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except writes.Conflict as refusal:  # from "Delete selected products"
            self.message_user(
                request, changed_meanwhile(refusal, "deleted"), messages.ERROR
            )
            return redirect(request.get_full_path())

    def delete_queryset(self, request, queryset):
        # The selection goes as a whole or not at all, each product at the
        # version this request loaded it.
        with write_transaction():
            for product in queryset:
                writes.product_delete(product=product, version=product.version)

    def _gone(self, request, refusal):
        self.message_user(
            request, changed_meanwhile(refusal, "saved"), messages.WARNING
        )
        return redirect(reverse("admin:products_product_changelist"))


def changed_meanwhile(refusal, verb):
    """One line for an admin message: who changed what since the page was opened."""
    if isinstance(refusal, writes.ProductGone):
        return f"“{refusal.product.name}” was deleted meanwhile; nothing was {verb}."
    changes = "; ".join(
        f"{', '.join(item['field'] for item in change.changes) or 'saved'} "
        f"by {change.who}, {_when(change)}"
        for change in refusal.changes
    )
    return (
        f"“{refusal.product.name}” was changed since you opened this page"
        f"{f' ({changes})' if changes else ''}; nothing was {verb}. "
        "Check it and try again."
    )


def _when(change):
    return date_format(localtime(change.created_at), "DATETIME_FORMAT")


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
