"""What every benchmark here measures with: percentiles of a list of timings.

One definition, so that the p50/p95/p99 columns of the README's tables (retrieval,
chat latency, load) mean the same thing.
"""
import math


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (p in 0..100) of `values`, interpolated linearly between the
    two nearest ranks (numpy's default, "linear"); nan for an empty list.

    >>> percentile([10, 20, 30, 40], 50)
    25.0
    """
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * p / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
