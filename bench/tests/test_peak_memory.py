import sys

from bench import peak_memory

ALLOCATE = "bytearray({mib} * 2**20)[::4096]"  # touched, so it is resident


def peak_of(mib):
    code, output, peak = peak_memory.run(
        [sys.executable, "-c", f"x = {ALLOCATE.format(mib=mib)}; print('done')"]
    )
    assert code == 0 and output.strip() == "done"
    return peak


def test_a_child_peak_is_its_own_and_not_its_parents():
    parent = bytearray(300 * 2**20)
    parent[::4096] = b"\1" * len(parent[::4096])  # the parent is now large
    assert peak_of(1) < 100  # a Python that allocates almost nothing
    del parent


def test_a_child_that_allocates_shows_it():
    assert peak_of(200) - peak_of(1) > 150
