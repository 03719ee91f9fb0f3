from decimal import Decimal

import factory
from django.utils.text import slugify

from products.models import Category, Product, ProductChange


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.LazyAttribute(lambda category: slugify(category.name))


class ProductFactory(factory.django.DjangoModelFactory):
    """The slug is left empty: the model makes it from the name, as in the app."""

    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    price = Decimal("9.99")
    quantity = 10
    supplier = "Acme Supplies"
    category = factory.SubFactory(CategoryFactory)
    description = ""


def field_items(**fields):
    """Stored field changes: ``field_items(price=("9.99", "12.50"))``."""
    return [
        {"field": name, "old": old, "new": new} for name, (old, new) in fields.items()
    ]


class ProductChangeFactory(factory.django.DjangoModelFactory):
    """A change row written directly, with a given actor, time or fields (the
    write path records real ones; feed, export and retention tests need these)."""

    class Meta:
        model = ProductChange

    action = ProductChange.Action.UPDATED
    product = None
    product_name = factory.Sequence(lambda n: f"Product {n}")
    product_slug = factory.LazyAttribute(lambda change: slugify(change.product_name))
    actor_name = ""
    source = "web"
    changes = factory.LazyFunction(lambda: field_items(quantity=("1", "2")))


def product_form_data(product=None, **overrides):
    """What the create (or, given ``product``, the edit) form posts, as a browser
    would send it: every field, empty ones as "", and the edit form's version."""
    if product is None:
        data = {
            "name": "Blue Mug",
            "sku": "MUG-1",
            "category": "",
            "price": "12.50",
            "quantity": "7",
            "supplier": "Acme Supplies",
            "description": "A mug, in blue.",
        }
    else:
        data = {
            "name": product.name,
            "slug": product.slug,
            "sku": product.sku,
            "category": product.category_id or "",
            "price": str(product.price),
            "cost_price": "" if product.cost_price is None else str(product.cost_price),
            "quantity": str(product.quantity),
            "low_stock_threshold": (
                ""
                if product.low_stock_threshold is None
                else str(product.low_stock_threshold)
            ),
            "expiry_date": product.expiry_date
            and product.expiry_date.isoformat()
            or "",
            "supplier": product.supplier,
            "description": product.description,
            "version": product.version,
        }
    return {**data, **overrides}
