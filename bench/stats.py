"""Percentiles as the bench reports them (no numpy on purpose: the bench needs
only the venv). Medians come from the standard library's ``statistics``."""

import math


def percentile(sorted_values, fraction):
    """Nearest-rank percentile of an already sorted list; None when empty."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summary_ms(nanoseconds):
    """p50 / p99 / max / min of durations given in nanoseconds, in milliseconds."""
    ordered = sorted(nanoseconds)
    if not ordered:
        return {"p50_ms": None, "p99_ms": None, "max_ms": None, "min_ms": None}
    return {
        "p50_ms": round(percentile(ordered, 0.50) / 1e6, 2),
        "p99_ms": round(percentile(ordered, 0.99) / 1e6, 2),
        "max_ms": round(ordered[-1] / 1e6, 2),
        "min_ms": round(ordered[0] / 1e6, 2),
    }
