"""The geometry of the small charts. Pure: no Django."""

from products.history import charts

BOX = charts.Box(width=100, height=50, pad=0)


def test_a_step_line_holds_each_value_until_the_next():
    assert charts.steps([(0, 5), (10, 8), (20, 2)], until=30) == [
        (0, 5),
        (10, 5),
        (10, 8),
        (20, 8),
        (20, 2),
        (30, 2),
    ]


def test_plot_maps_time_across_and_higher_values_up():
    points = charts.plot([(0, 0), (50, 10)], BOX, stepped=False)
    assert points == [(0, 50), (100, 0)]


def test_plot_sorts_its_input_and_draws_steps_until_now():
    points = charts.plot([(10, 4), (0, 2)], BOX, until=20)
    # x: 0..20 over 100 units; y: 2 at the bottom, 4 at the top.
    assert points == [(0, 50), (50, 50), (50, 0), (100, 0)]


def test_a_flat_series_sits_in_the_middle():
    points = charts.plot([(0, 7), (10, 7)], BOX, stepped=False)
    assert points == [(0, 25), (100, 25)]


def test_a_single_moment_is_a_level_line_across_the_box():
    box = charts.Box(width=100, height=50, pad=5)
    assert charts.plot([(3, 9)], box) == [(5, 25), (95, 25)]


def test_nothing_to_plot():
    assert charts.plot([], BOX) == []


def test_include_zero_keeps_the_baseline():
    points = charts.plot([(0, 5), (10, 10)], BOX, stepped=False, include_zero=True)
    assert points == [(0, 25), (100, 0)]


def test_padding_keeps_the_line_inside():
    box = charts.Box(width=100, height=50, pad=2)
    xs_ys = charts.plot([(0, 0), (1, 1)], box, stepped=False)
    assert xs_ys == [(2, 48), (98, 2)]


def test_points_attribute():
    assert charts.points_attribute([(0, 50), (12.5, 0)]) == "0,50 12.5,0"


def test_hourly_counts_oldest_first():
    counts = charts.hourly_counts([0, 0, 1, 23, 24, -1], hours=24)
    assert counts[-1] == 2 and counts[-2] == 1 and counts[0] == 1
    assert sum(counts) == 4


def test_levels_back_undo_each_hours_changes():
    # 100 now; +10 this hour, -5 two hours ago.
    assert charts.levels_back(100, {0: 10, 2: -5}, hours=4) == [95, 90, 90, 100]
