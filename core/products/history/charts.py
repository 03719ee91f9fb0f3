"""The geometry of the small charts: a product's price and stock over time, the
table's stock sparkline, the feed's 24-hour trend lines.

Pure: no database, no Django. Input is a series of ``(x, y)`` numbers (x a
timestamp in seconds, or an hour index); output is coordinates within a box,
ready for an SVG ``points`` attribute. Values hold until the next one (a price
or a stock level stays what it was set to), so lines are drawn as steps.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Box:
    """The drawing area, in SVG user units, and its inner margin."""

    width: float
    height: float
    pad: float = 2.0

    @property
    def inner_width(self):
        return self.width - 2 * self.pad

    @property
    def inner_height(self):
        return self.height - 2 * self.pad


def bounds(values, include_zero=False):
    """``(low, high)`` of ``values``, never the same number twice (a flat line
    sits in the middle rather than dividing by zero)."""
    values = list(values)
    if not values:
        return 0.0, 1.0
    low, high = min(values), max(values)
    if include_zero:
        low = min(low, 0)
    if low == high:
        return low - 1, high + 1
    return low, high


def scale(value, low, high, start, length):
    """``value`` within ``[low, high]`` mapped onto ``[start, start + length]``."""
    if high == low:
        return start + length / 2
    return start + (value - low) / (high - low) * length


def steps(series, until=None):
    """The corners of a step line through ``series`` (sorted by x): each value
    holds until the next x, the last one until ``until`` (if later)."""
    corners = []
    for index, (x, y) in enumerate(series):
        if index:
            corners.append((x, series[index - 1][1]))
        corners.append((x, y))
    if series and until is not None and until > series[-1][0]:
        corners.append((until, series[-1][1]))
    return corners


def plot(series, box, *, stepped=True, until=None, include_zero=False, x_range=None):
    """``series`` as ``[(x, y)]`` in ``box`` coordinates (y grows downwards in
    SVG, so higher values are nearer the top), rounded to one decimal."""
    series = sorted(series)
    if not series:
        return []
    corners = steps(series, until) if stepped else list(series)
    xs = [x for x, _ in corners]
    low_x, high_x = x_range or (min(xs), max(xs))
    low_y, high_y = bounds([y for _, y in corners], include_zero)
    if low_x == high_x:  # one moment: a level line across the box
        y = round(_y(corners[-1][1], low_y, high_y, box), 1)
        return [(round(box.pad, 1), y), (round(box.pad + box.inner_width, 1), y)]
    return [
        (
            round(scale(x, low_x, high_x, box.pad, box.inner_width), 1),
            round(_y(y, low_y, high_y, box), 1),
        )
        for x, y in corners
    ]


def _y(value, low, high, box):
    return box.pad + box.inner_height - scale(value, low, high, 0, box.inner_height)


def points_attribute(points):
    """``"2.0,14.5 30.0,14.5"``: the SVG ``points`` of a polyline."""
    return " ".join(f"{x:g},{y:g}" for x, y in points)


def hourly_counts(hours_ago, hours=24):
    """How many events happened in each of the last ``hours`` hours, oldest
    first, from each event's age in whole hours (0: this hour)."""
    counts = [0] * hours
    for age in hours_ago:
        if 0 <= age < hours:
            counts[hours - 1 - age] += 1
    return counts


def levels_back(now_level, deltas_by_hour, hours=24):
    """The level at the end of each of the last ``hours`` hours, oldest first,
    worked back from ``now_level`` and the net change made in each hour
    (``{hours_ago: delta}``, 0 the current hour)."""
    levels = [0] * hours
    level = now_level
    for age in range(hours):
        levels[hours - 1 - age] = level
        level -= deltas_by_hour.get(age, 0)
    return levels
