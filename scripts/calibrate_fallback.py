"""Calibrate the retrieval threshold below which the assistant says it found nothing
reliable (settings.yml: search.min_dense, search.min_coverage).

In-scope: the retrieval question set (tests/retrieval/questions.yml), whose best hit
should be quoted. Out of scope: tests/retrieval/out_of_scope.yml, whose best hit must
not be. A hit is accepted when its dense cosine >= min_dense AND its keyword coverage (the
share of the question's keyword weight found in the passage, index/retrieval/bm25.py) >=
min_coverage. The grid search keeps the pair that accepts the most in-scope questions
while accepting at most MAX_FALSE_ACCEPT of the out-of-scope ones (a wrong quote is
worse than "I don't know").

    .venv/bin/python -m scripts.calibrate_fallback [--write]
"""
import argparse
import sys
from pathlib import Path

import numpy as np
import yaml

from index.retrieval.search import load_searcher
from scripts.measure import best_threshold_pairs, write_thresholds

ROOT = Path(__file__).resolve().parent.parent

MAX_FALSE_ACCEPT = 0.05


def top_hits(searcher, questions: list[str]) -> np.ndarray:
    """(dense, coverage) of the best hit of each question; a question with no hit at all
    (e.g. it names a province without a plan) scores (-1, 0)."""
    rows = []
    for question in questions:
        hits = searcher.search(question, k=1)
        rows.append((hits[0].dense, hits[0].coverage) if hits else (-1.0, 0.0))
    return np.array(rows)


def calibrate(inside: np.ndarray, outside: np.ndarray) -> dict:
    """The first best pair of the grid (scripts/measure.py, best_threshold_pairs)."""
    return best_threshold_pairs(inside, outside, np.arange(0.78, 0.90, 0.0025),
                                np.arange(0.0, 0.8, 0.01), MAX_FALSE_ACCEPT)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="store the thresholds in settings.yml")
    args = parser.parse_args()
    searcher = load_searcher()
    inside_questions = [item["q"] for item in yaml.safe_load((ROOT / "tests/retrieval/questions.yml").read_text())]
    outside_questions = yaml.safe_load((ROOT / "tests/retrieval/out_of_scope.yml").read_text())["questions"]
    result = calibrate(top_hits(searcher, inside_questions), top_hits(searcher, outside_questions))
    print(f"{len(inside_questions)} in-scope and {len(outside_questions)} out-of-scope questions: {result}")
    if args.write:
        write_thresholds(ROOT / "settings.yml", 2, {k: result[k] for k in ("min_dense", "min_coverage")})
        print("written to settings.yml (search.min_dense, search.min_coverage)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
