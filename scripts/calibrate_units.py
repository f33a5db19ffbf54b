"""Measure the answer-unit chooser on tests/citizen_questions.yml and calibrate its
acceptance threshold (data/knowledge/answer_units.yml meta.threshold).

In scope: questions with a unit; their best unit should be accepted (and be the right
one). Out of scope: questions marked `unit: null`; their best unit must not be accepted
(a neighbouring topic is worse than "I don't know"). A choice is accepted when its dense
cosine >= min_dense AND its keyword coverage >= min_coverage; the grid search keeps the
pairs that accept the most in-scope questions while accepting at most MAX_FALSE_ACCEPT
of the out-of-scope ones (the rule of scripts/calibrate_fallback.py), and takes the middle
of them.

    .venv/bin/python -m scripts.calibrate_units [--write]

Prints top-1 accuracy (right unit, or "no data" for the null questions), the threshold
and each failure.
"""
import argparse
import re
import sys

import numpy as np
import yaml

from actions.answers.unit_index import load_unit_index
from core import knowledge
from core.settings import PROJECT_ROOT
from scripts.calibrate_fallback import accept_rate

QUESTIONS = PROJECT_ROOT / "tests" / "citizen_questions.yml"
MAX_FALSE_ACCEPT = 0.05


def load_questions() -> list[dict]:
    return yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))["questions"]


def top1_correct(choice, expected: str | None) -> bool:
    """Right unit accepted, or nothing accepted for a "no data" question."""
    if expected is None:
        return not choice.accepted
    return choice.accepted and choice.unit["id"] == expected


def calibrate(inside: np.ndarray, outside: np.ndarray) -> dict:
    """inside/outside: (n, 2) arrays of (dense, coverage) of each question's best unit.

    Among the pairs with the best (in-scope accepted, -out-of-scope accepted), the one in
    the middle of that region (median dense bound, then median coverage bound): the
    region's edges sit on single questions of this small set.
    Returns {min_dense, min_coverage, in_scope_accepted, out_of_scope_accepted}."""
    found = []
    for min_dense in np.arange(0.80, 0.95, 0.0025):
        for min_coverage in np.arange(0.0, 0.9, 0.02):
            false_accept = accept_rate(outside, min_dense, min_coverage)
            if false_accept > MAX_FALSE_ACCEPT:
                continue
            true_accept = accept_rate(inside, min_dense, min_coverage)
            found.append(((true_accept, -false_accept), round(float(min_dense), 4), round(float(min_coverage), 2)))
    best_key = max(key for key, _, _ in found)
    best = [(d, c) for key, d, c in found if key == best_key]
    dense_values = sorted({d for d, _ in best})
    min_dense = dense_values[len(dense_values) // 2]
    coverage_values = sorted(c for d, c in best if d == min_dense)
    min_coverage = coverage_values[len(coverage_values) // 2]
    return {"min_dense": min_dense, "min_coverage": min_coverage,
            "in_scope_accepted": round(best_key[0], 3), "out_of_scope_accepted": round(-best_key[1], 3)}


def write_threshold(result: dict) -> None:
    path = knowledge.path("answer_units.yml")
    text = path.read_text(encoding="utf-8")
    for key in ("min_dense", "min_coverage"):
        text = re.sub(rf"(\n    {key}: )[0-9.]+", rf"\g<1>{result[key]}", text, count=1)
    path.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="store the threshold in answer_units.yml")
    args = parser.parse_args()
    index = load_unit_index()
    questions = load_questions()
    choices = [index.choose(item["q"]) for item in questions]
    # A question that names none of the subject words is never accepted: (-1, 0).
    features = [(c.dense, c.coverage) if index.names_subject(q["q"]) else (-1.0, 0.0)
                for c, q in zip(choices, questions)]
    inside = np.array([f for f, q in zip(features, questions) if q["unit"]])
    outside = np.array([f for f, q in zip(features, questions) if not q["unit"]])
    result = calibrate(inside, outside)
    print(f"{len(inside)} in-scope and {len(outside)} no-data questions; threshold: {result}")
    ranked_right = sum(c.unit["id"] == q["unit"] for c, q in zip(choices, questions) if q["unit"])
    print(f"best-ranked unit right (before the threshold): {ranked_right}/{len(inside)}")
    correct = sum(top1_correct(c, q["unit"]) for c, q in zip(choices, questions))
    print(f"top-1 with the current threshold ({index.min_dense}, {index.min_coverage}): "
          f"{correct}/{len(questions)} = {correct / len(questions):.1%}")
    for choice, item in zip(choices, questions):
        if not top1_correct(choice, item["unit"]):
            print(f"  FAIL {item['q']!r}: want {item['unit']}, got {choice.unit['id']} "
                  f"(dense {choice.dense}, coverage {choice.coverage}, accepted {choice.accepted})")
    if args.write:
        write_threshold(result)
        print("written to data/knowledge/answer_units.yml (meta.threshold)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
