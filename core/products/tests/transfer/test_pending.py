"""A previewed file kept for its confirmation: by digest, bounded in number and age."""

import os
import time

import pytest

from products.transfer import pending

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
        os.utime(pending.paths(digests[-1])[0], (stamp, stamp))
    pending.prune()
    assert [pending.load(d) is not None for d in digests] == [False, True, True]
    pending.prune(now=time.time() + settings.IMPORT_PENDING_SECONDS + 1)
    assert list(pending_dir.glob("*/*")) == []


def test_each_owner_has_the_bound_to_themselves(settings):
    # 51 previews by one user pushed out everyone else's pending import.
    settings.IMPORT_PENDING_FILES = 2
    theirs = pending.store(b"sku\nA\n", {}, owner=1)

    mine = [pending.store(f"sku\n{n}\n".encode(), {}, owner=2) for n in range(5)]

    assert pending.load(theirs, owner=1) is not None
    assert len(list(pending.folder(2).glob("*.csv"))) == 2
    assert pending.load(mine[-1], owner=2) is not None


def test_an_owner_cannot_confirm_another_owners_preview():
    digest = pending.store(b"sku\nA\n", {}, owner=1)

    assert pending.load(digest, owner=2) is None


def test_expired_files_of_every_owner_go(settings):
    digest = pending.store(b"sku\nA\n", {}, owner=1)

    pending.prune(now=time.time() + settings.IMPORT_PENDING_SECONDS + 1, owner=2)

    assert pending.load(digest, owner=1) is None
