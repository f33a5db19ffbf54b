"""What the benchmarks and calibrations here measure with: percentiles of a list of
timings, and the grid search of the two acceptance thresholds (dense cosine, keyword
coverage) shared by scripts/calibrate_fallback.py and scripts/calibrate_units.py.

One definition each, so that the p50/p95/p99 columns of the tables in docs/results/ (retrieval,
chat latency, load) mean the same thing, and both thresholds follow the same rule.
"""
import math
import re
from pathlib import Path

import numpy as np


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


# ---------------------------------------------------------------- acceptance thresholds

def accept_rate(scores: np.ndarray, min_dense: float, min_coverage: float) -> float:
    """Share of rows of `scores` ((n, 2): dense cosine, keyword coverage) accepted by
    both bounds; nan for no rows."""
    if len(scores) == 0:
        return math.nan
    return float(np.mean((scores[:, 0] >= min_dense) & (scores[:, 1] >= min_coverage)))


def best_threshold_pairs(inside: np.ndarray, outside: np.ndarray, dense_grid: np.ndarray,
                         coverage_grid: np.ndarray, max_false_accept: float) -> list[dict]:
    """The (min_dense, min_coverage) pairs of the grid that accept the most in-scope rows
    while accepting at most `max_false_accept` of the out-of-scope ones, and among those
    the fewest out-of-scope rows; in grid order (dense outer, coverage inner).

    inside/outside: (n, 2) arrays as for accept_rate. Returns dicts {min_dense,
    min_coverage, in_scope_accepted, out_of_scope_accepted} (shares, rounded); [] when no
    pair keeps the false accepts within bounds."""
    found = []
    for min_dense in dense_grid:
        for min_coverage in coverage_grid:
            false_accept = accept_rate(outside, min_dense, min_coverage)
            if false_accept > max_false_accept:
                continue
            found.append({"min_dense": round(float(min_dense), 4), "min_coverage": round(float(min_coverage), 2),
                          "in_scope_accepted": round(accept_rate(inside, min_dense, min_coverage), 3),
                          "out_of_scope_accepted": round(false_accept, 3)})
    if not found:
        return []
    best = max((f["in_scope_accepted"], -f["out_of_scope_accepted"]) for f in found)
    return [f for f in found if (f["in_scope_accepted"], -f["out_of_scope_accepted"]) == best]


def write_thresholds(path: Path, indent: int, values: dict) -> None:
    """Replace the first `<indent spaces>key: number` line of each key of `values` in the
    YAML file at `path`, keeping its comments (a YAML dump would drop them)."""
    text = path.read_text(encoding="utf-8")
    for key, value in values.items():
        text = re.sub(rf"(\n {{{indent}}}{key}: )[0-9.]+", rf"\g<1>{value}", text, count=1)
    path.write_text(text, encoding="utf-8")
