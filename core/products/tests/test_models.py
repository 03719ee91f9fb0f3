from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from products.models import Product, ProductChange
from products.models import product as product_module
from products.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


# Slugs -----------------------------------------------------------------------


def test_slug_is_made_from_the_name():
    assert ProductFactory(name="Blue Mug, large").slug == "blue-mug-large"


def test_products_with_the_same_name_get_numbered_slugs():
    slugs = [ProductFactory(name="Blue Mug").slug for _ in range(3)]

    assert slugs == ["blue-mug", "blue-mug-2", "blue-mug-3"]


def test_slugs_already_taken_are_skipped():
    ProductFactory(name="Blue Mug", slug="blue-mug-2")

    first = ProductFactory(name="Blue Mug")
    second = ProductFactory(name="Blue Mug")

    assert (first.slug, second.slug) == ("blue-mug", "blue-mug-3")


@pytest.mark.parametrize(
    "name, slug",
    [("Café", "cafe"), ("日本茶", "日本茶"), ("Crème brûlée", "creme-brulee")],
)
def test_names_with_accents_or_other_scripts_get_a_usable_slug(name, slug):
    product = ProductFactory(name=name)

    assert product.slug == slug
    assert Product.objects.get(slug=slug) == product


@pytest.mark.parametrize(
    "name, reason",
    [
        ("!!!", "at least one letter or digit"),
        ("   ", "at least one letter or digit"),
        ("☕☕", "at least one letter or digit"),
        ("create", "reserved"),
        ("Create", "reserved"),
        ("CREATE!", "reserved"),
        ("Import", "reserved"),
        ("bulk", "reserved"),
    ],
)
def test_name_without_a_usable_slug_is_refused_on_the_name(name, reason):
    product = ProductFactory.build(name=name, category=None)

    with pytest.raises(ValidationError) as refused:
        product.full_clean()
    assert reason in str(refused.value.message_dict["name"])

    with pytest.raises(ValidationError):
        product.save()
    assert not Product.objects.exists()


def test_explicit_reserved_slug_is_refused_on_the_slug():
    product = ProductFactory(name="Blue Mug")
    product.slug = "create"

    with pytest.raises(ValidationError) as refused:
        product.full_clean()

    assert "reserved" in str(refused.value.message_dict["slug"])


def test_slug_stays_the_same_when_the_name_changes():
    product = ProductFactory(name="Blue Mug")

    product.name = "Red Mug"
    product.save()

    product.refresh_from_db()
    assert (product.name, product.slug) == ("Red Mug", "blue-mug")


def test_a_cleared_slug_is_made_again_from_the_name_not_numbered():
    product = ProductFactory(name="Blue Mug")
    product.slug = ""
    product.save()
    assert product.slug == "blue-mug"


def test_slug_taken_between_lookup_and_insert_is_retried_with_the_next_number(
    monkeypatch,
):
    """Simulates a concurrent create: another row takes the slug after this save
    looked up the taken slugs and before its insert."""
    real_numbered = product_module.numbered
    rivals = []

    def numbered_then_rival_inserts(base, number):
        if not rivals:
            rivals.extend(
                Product.objects.bulk_create(
                    [Product(name="Blue Mug", slug=base, sku="RIVAL", price=1)]
                )
            )
        return real_numbered(base, number)

    monkeypatch.setattr(product_module, "numbered", numbered_then_rival_inserts)

    product = ProductFactory(name="Blue Mug")

    assert product.slug == "blue-mug-2"
    assert sorted(Product.objects.values_list("slug", flat=True)) == [
        "blue-mug",
        "blue-mug-2",
    ]


def test_duplicate_sku_is_not_mistaken_for_a_slug_race():
    ProductFactory(name="Blue Mug", sku="MUG-1")

    with pytest.raises(IntegrityError):
        ProductFactory(name="Red Mug", sku="MUG-1")

    assert list(Product.objects.values_list("slug", flat=True)) == ["blue-mug"]


# Database constraints (hold even when validation is bypassed) -----------------


@pytest.mark.parametrize(
    "field, value",
    [
        ("price", Decimal("-0.01")),
        ("quantity", -1),
        ("slug", ""),
        ("slug", "create"),
        ("slug", "import"),
        ("slug", "bulk"),
        ("description", "x" * 5001),
    ],
)
def test_database_refuses_values_that_validation_would_refuse(field, value):
    product = ProductFactory(name="Blue Mug", price=Decimal("5.00"), quantity=3)

    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(**{field: value})

    stored = Product.objects.values_list("price", "quantity", "slug").get()
    assert stored == (Decimal("5.00"), 3, "blue-mug")


def test_negative_price_is_refused_by_validation_on_the_price():
    product = ProductFactory.build(price=Decimal("-1"), category=None)

    with pytest.raises(ValidationError) as refused:
        product.full_clean()

    assert "price" in refused.value.message_dict


def test_description_longer_than_5000_characters_is_refused_on_the_field():
    product = ProductFactory.build(description="é" * 5001, category=None)

    with pytest.raises(ValidationError) as refused:
        product.full_clean()

    assert refused.value.message_dict == {
        "description": ["Ensure this value has at most 5000 characters (it has 5001)."]
    }


def test_description_of_5000_characters_is_accepted():
    product = ProductFactory(description="é" * 5000)

    product.full_clean()
    assert len(Product.objects.get(pk=product.pk).description) == 5000


# SKU -------------------------------------------------------------------------


@pytest.mark.parametrize("sku", ["mug-9", " Mug-9 "])
def test_sku_is_stored_in_upper_case_whichever_way_it_is_saved(sku):
    Product.objects.create(name="Green Mug", sku=sku, price="3.00")

    assert Product.objects.values_list("sku", flat=True).get() == "MUG-9"


def test_lower_case_sku_cannot_sneak_in_beside_its_upper_case_twin():
    ProductFactory(sku="MUG-9")

    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.create(name="Green Mug", sku="mug-9", price="3.00")


# Versions --------------------------------------------------------------------


def test_a_new_product_is_at_version_1():
    product = Product.objects.create(name="Green Mug", sku="MUG-9", price="3.00")

    assert product.version == 1
    assert Product.objects.values_list("version", flat=True).get() == 1


def test_every_plain_save_counts_and_the_instance_holds_the_stored_number():
    product = ProductFactory()

    product.quantity = 3
    product.save()
    product.save()  # a save that changes nothing is still a write

    assert product.version == 3
    assert Product.objects.values_list("version", flat=True).get() == 3


def test_a_save_of_some_fields_counts_too():
    product = ProductFactory()

    product.quantity = 3
    product.save(update_fields=["quantity"])

    assert product.version == 2
    assert Product.objects.get(pk=product.pk).version == 2


def test_the_database_counts_from_the_stored_number_not_the_instance():
    product = ProductFactory()
    stale = Product.objects.get(pk=product.pk)
    product.save()

    stale.save()

    assert stale.version == 3


def test_a_failed_save_leaves_the_loaded_version_on_the_instance():
    ProductFactory(sku="MUG-1")
    product = ProductFactory(sku="MUG-2")

    product.sku = "MUG-1"
    with pytest.raises(IntegrityError), transaction.atomic():
        product.save()

    assert product.version == 1


def test_each_recorded_change_knows_the_version_it_produced():
    product = ProductFactory(quantity=1)
    product.quantity = 2
    product.save()
    product.delete()

    recorded = ProductChange.objects.order_by("pk").values_list(
        "action", "product_version"
    )
    assert list(recorded) == [("created", 1), ("updated", 2), ("deleted", None)]


# Text ------------------------------------------------------------------------


def test_product_str_shows_name_and_sku():
    assert str(ProductFactory(name="Blue Mug", sku="MUG-1")) == "Blue Mug (MUG-1)"


def test_category_str_is_its_name():
    assert str(CategoryFactory(name="Kitchen")) == "Kitchen"
