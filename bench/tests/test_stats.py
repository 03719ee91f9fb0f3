from bench.stats import percentile, summary_ms


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))  # 1..100
    assert percentile(values, 0.50) == 50
    assert percentile(values, 0.99) == 99
    assert percentile(values, 1.0) == 100


def test_percentile_of_few_values_is_one_of_them():
    assert percentile([7], 0.99) == 7
    assert percentile([1, 9], 0.5) == 1
    assert percentile([1, 9], 0.51) == 9


def test_percentile_of_nothing_is_none():
    assert percentile([], 0.5) is None


def test_summary_turns_nanoseconds_into_milliseconds():
    figures = summary_ms([3_000_000, 1_000_000, 2_000_000])
    assert figures == {"p50_ms": 2.0, "p99_ms": 3.0, "max_ms": 3.0, "min_ms": 1.0}


def test_summary_of_nothing_says_none_for_each_figure():
    assert set(summary_ms([]).values()) == {None}
