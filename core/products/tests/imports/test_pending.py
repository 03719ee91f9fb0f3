"""A previewed file kept for its confirmation: by digest, bounded in number and age."""

import os
import time

import pytest

from products.imports import pending

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def pending_dir(settings, tmp_path):
    settings.IMPORT_PENDING_DIR = tmp_path / "pending"
    return settings.IMPORT_PENDING_DIR


def test_kept_by_digest_with_the_versions_until_discarded():
    digest = pending.store(b"sku\nA\n", {"A": 3, "B": None})
    assert digest == pending.digest_of(b"sku\nA\n")
    assert pending.load(digest) == (b"sku\nA\n", {"A": 3, "B": None})
    pending.discard(digest)
    assert pending.load(digest) is None


def test_names_that_are_not_digests_read_nothing(pending_dir):
    pending.store(b"sku\nA\n", {})
    assert pending.load("../pending/x") is None
    assert pending.load("") is None


def test_at_most_the_newest_files_and_none_expired(settings, pending_dir):
    settings.IMPORT_PENDING_FILES = 2
    digests = []
    for number in range(3):
        digests.append(pending.store(f"sku\n{number}\n".encode(), {}))
        stamp = time.time() - 10 + number
        os.utime(pending_dir / f"{digests[-1]}.csv", (stamp, stamp))
    pending.prune()
    assert [pending.load(d) is not None for d in digests] == [False, True, True]
    pending.prune(now=time.time() + settings.IMPORT_PENDING_SECONDS + 1)
    assert list(pending_dir.iterdir()) == []
