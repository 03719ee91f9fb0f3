"""The live warning's "Use their value" buttons, as rendered (no browser): each
changed field that a form can be filled with carries the value its input takes."""

import html
import re
from datetime import date
from decimal import Decimal

import pytest

from products.editing.edit_warnings import EditWarning, Together, render_warning
from products.tests.factories import CategoryFactory, ProductFactory
from products.tests.helpers import edit

pytestmark = pytest.mark.django_db


def buttons(markup):
    """``{field: value}`` of the warning's "Use their value" buttons."""
    return {
        field: html.unescape(value)
        for field, value in re.findall(
            r'<button type="button" class="use-theirs" data-use-value '
            r'data-field="(\w+)" data-value="([^"]*)"',
            markup,
        )
    }


def test_each_changed_field_offers_their_value_as_its_input_takes_it():
    garden = CategoryFactory(name="Garden")
    product = ProductFactory(price=Decimal("15.00"), supplier="Acme")

    change = edit(
        product,
        price=Decimal("17.25"),
        category=garden,
        supplier='Brill & "Sons"',
        expiry_date=date(2027, 6, 30),
    )

    markup = render_warning(warning_of(change))
    assert buttons(markup) == {
        "price": "17.25",
        "category": str(garden.pk),  # the select's option value
        "supplier": 'Brill & "Sons"',
        "expiry_date": "2027-06-30",
    }
    assert 'data-value="17.25">Use their value</button>' in markup


def test_a_cleared_field_offers_the_empty_value():
    product = ProductFactory(supplier="Acme")

    change = edit(product, supplier="")

    assert buttons(render_warning(warning_of(change))) == {"supplier": ""}


def test_a_new_image_offers_no_value_a_form_cannot_take(image_upload):
    product = ProductFactory()

    change = edit(product, image=image_upload("PNG"), quantity=4)

    assert buttons(render_warning(warning_of(change))) == {"quantity": "4"}


def warning_of(change):
    """The event an open form gets for ``change``, as the set announces it."""
    return EditWarning(change, Together([change]))
