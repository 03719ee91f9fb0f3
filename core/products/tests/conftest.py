import pytest

from products.signals import product_changed


@pytest.fixture
def announced():
    """The changes announced through product_changed during the test."""
    changes = []

    def listener(sender, change, **kwargs):
        changes.append(change)

    product_changed.connect(listener)
    yield changes
    product_changed.disconnect(listener)
