"""The product write path: our views and the admin save and delete products here.

Each operation is one transaction; an image stored on the way is deleted again if
the transaction does not commit (see ``uploads``). A unique SKU or address taken by
another write between the form's check and the save is explained on the form,
beside its field, instead of failing the request.
"""

from django.db import IntegrityError

from .models import Product
from .uploads import write_transaction

# Fields whose uniqueness only the database can guarantee under concurrency.
UNIQUE_FIELDS = ("sku", "slug")


def product_create(*, form):
    """Saves a valid ``ProductForm``. Returns the product, or ``None`` with the
    reason added to the form when a concurrent write took its SKU first."""
    return _save(form)


def product_update(*, form):
    """Saves a valid ``ProductUpdateForm``. Returns the product, or ``None`` with
    the reason on the form when a concurrent write took its SKU or address."""
    return _save(form)


def product_save(*, product):
    """Saves a product that a caller (the admin) has already validated."""
    with write_transaction():
        product.save()
    return product


def product_delete(*, product):
    """Deletes the product; its image is removed once the deletion commits."""
    with write_transaction():
        product.delete()


def _save(form):
    try:
        with write_transaction():
            return form.save()
    except IntegrityError:
        if not explain_taken_values(form):
            raise
        return None


def explain_taken_values(form):
    """After an ``IntegrityError``: adds an error beside each unique field whose
    value another product now has. On PostgreSQL a conflicting insert waits for the
    other transaction and fails only once it has committed, and SQLite runs writes
    one at a time, so the winner is visible here. False if no such value is found,
    that is, if the error was something else."""
    product = form.instance
    explained = False
    for name in UNIQUE_FIELDS:
        value = getattr(product, name)
        others = (
            Product.objects.exclude(pk=product.pk) if product.pk else Product.objects
        )
        if value and others.filter(**{name: value}).exists():
            field = name if name in form.fields else None
            form.add_error(field, product.unique_error_message(Product, (name,)))
            explained = True
    return explained
