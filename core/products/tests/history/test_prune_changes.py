"""``manage.py prune_changes``: retention for the change log."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from products.models import Product, ProductChange
from products.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def changes_aged(*days):
    """One change per age in ``days``, oldest first; their ids."""
    ids = []
    for age in days:
        product = ProductFactory()
        change = ProductChange.objects.get(product=product)
        change.created_at = timezone.now() - timedelta(days=age)
        change.save(update_fields=["created_at"])
        ids.append(change.pk)
    return ids


def prune(*args):
    out = StringIO()
    call_command("prune_changes", *args, stdout=out)
    return out.getvalue()


def test_deletes_changes_older_than_the_days_given_and_says_how_many():
    old_a, old_b, recent, today = changes_aged(400, 91, 89, 0)

    output = prune("--older-than", "90")

    assert output.startswith("Deleted 2 changes recorded before ")
    assert set(ProductChange.objects.values_list("pk", flat=True)) == {recent, today}
    assert Product.objects.count() == 4  # products stay


def test_a_dry_run_deletes_nothing():
    changes_aged(400, 91, 0)

    output = prune("--older-than", "90", "--dry-run")

    assert output.startswith("Would delete 2 changes recorded before ")
    assert ProductChange.objects.count() == 3


def test_deletes_in_batches():
    changes_aged(10, 10, 10, 10, 10, 0)

    with CaptureQueriesContext(connection) as queries:
        output = prune("--older-than", "5", "--batch-size", "2")

    deletes = [q["sql"] for q in queries if q["sql"].upper().startswith("DELETE")]
    assert len(deletes) == 3
    assert output.startswith("Deleted 5 changes")
    assert ProductChange.objects.count() == 1


def test_nothing_to_prune_says_so():
    changes_aged(1)

    assert prune("--older-than", "30").startswith("Deleted 0 changes")
    assert ProductChange.objects.count() == 1


@pytest.mark.parametrize(
    "args",
    [
        ["--older-than", "-1"],
        ["--older-than", "30", "--batch-size", "0"],
    ],
)
def test_refuses_bad_numbers(args):
    with pytest.raises(CommandError):
        prune(*args)


def test_the_days_are_required():
    with pytest.raises(CommandError):
        prune()
