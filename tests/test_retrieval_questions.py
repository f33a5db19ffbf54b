"""The retrieval question set (tests/retrieval/questions.yml) and the retrieval quality gate.

The set must be well-formed (ids, gold sections that exist, enough unaccented questions,
every plan covered), and hybrid retrieval must find a gold section in its top 5 for at
least 90% of the questions. Scoring is shared with scripts/bench_retrieval.py.
"""
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from index.plans.sections import load_plans
from scripts import bench_retrieval as bench

ROOT = Path(__file__).resolve().parent.parent
MIN_QUESTIONS = 72
MIN_PER_PLAN = 12
# The floor is 0.90; the fusion measures 1.00 / 0.92 on this set (docs/results/retrieval.md), so
# these gates catch a real regression, e.g. a broken province filter or fusion.
MIN_HYBRID_RECALL_AT_5 = 0.95
MIN_HYBRID_RECALL_AT_1 = 0.85
KNOWN_TAGS = {"target", "status", "duty", "funding", "reporting", "legal_basis", "task",
              "solution", "vtci", "2g", "purpose", "transitional", "no_diacritics",
              "paraphrase", "typo", "new_name", "no_province"}




@pytest.fixture(scope="module")
def questions():
    return bench.load_questions()


@pytest.fixture(scope="module")
def plans():
    loaded, errors = load_plans()
    assert not errors, errors
    return {plan.id: plan for plan in loaded}


def has_diacritics(text: str) -> bool:
    """Vietnamese tone or vowel marks, or đ."""
    if "đ" in text.lower():
        return True
    return any(unicodedata.category(ch) == "Mn" for ch in unicodedata.normalize("NFD", text))


# ------------------------------------------------------------------ the set is well-formed

def test_enough_questions_with_unique_ids(questions):
    assert len(questions) >= MIN_QUESTIONS
    duplicated = [qid for qid, n in Counter(q.id for q in questions).items() if n > 1]
    assert not duplicated, f"duplicated ids: {duplicated}"


def test_every_question_has_text_gold_and_known_tags(questions):
    for question in questions:
        assert question.q.strip(), question.id
        assert question.gold, f"{question.id}: no gold section"
        unknown = set(question.tags) - KNOWN_TAGS
        assert not unknown, f"{question.id}: unknown tags {unknown}"


def test_every_gold_section_exists_and_has_text(questions, plans):
    for question in questions:
        for plan_id, anchor in question.gold:
            assert plan_id in plans, f"{question.id}: no plan {plan_id!r}"
            section = plans[plan_id].section_by_anchor(anchor)
            assert section is not None, f"{question.id}: no section {anchor!r} in {plan_id}"
            # a section without lines yields no chunk, so it could never be retrieved
            assert section.lines, f"{question.id}: {plan_id}#{anchor} has no text"


def test_a_third_typed_without_diacritics(questions):
    tagged = [q for q in questions if "no_diacritics" in q.tags]
    assert len(tagged) * 3 >= len(questions), f"{len(tagged)}/{len(questions)} no_diacritics"
    wrong = [q.id for q in tagged if has_diacritics(q.q)]
    assert not wrong, f"tagged no_diacritics but accented: {wrong}"
    untagged = [q.id for q in questions if "no_diacritics" not in q.tags and not has_diacritics(q.q)]
    assert not untagged, f"unaccented but not tagged no_diacritics: {untagged}"


def test_every_plan_covered(questions, plans):
    # questions naming no province list every plan; count only the targeted ones
    per_plan = Counter(plan_id for q in questions if "no_province" not in q.tags
                       for plan_id in {plan for plan, _ in q.gold})
    thin = {plan_id: per_plan[plan_id] for plan_id in plans if per_plan[plan_id] < MIN_PER_PLAN}
    assert not thin, f"plans with fewer than {MIN_PER_PLAN} questions: {thin}"


def test_tag_groups_present(questions):
    counts = Counter(tag for q in questions for tag in q.tags)
    for tag in bench.TAG_GROUPS:
        assert counts[tag] >= 5, f"only {counts[tag]} questions tagged {tag}"


# ------------------------------------------------------------------ scoring helpers

class _Hit:
    def __init__(self, plan, anchor):
        self.plan, self.anchor = plan, anchor


def test_scoring_functions():
    gold = frozenset({("tien-giang", "s-v")})
    hits = [_Hit("hau-giang", "s-v"), _Hit("tien-giang", "s-v")]
    assert bench.gold_rank(hits, gold) == 2
    assert bench.gold_rank(hits[:1], gold) is None
    m = bench.metrics([1, 2, None, 6])
    assert m["n"] == 4
    assert m["recall@1"] == pytest.approx(0.25)
    assert m["recall@5"] == pytest.approx(0.5)          # rank 6 is outside the top 5
    assert m["mrr@5"] == pytest.approx((1 + 0.5) / 4)
    assert bench.percentile([1.0, 2.0, 3.0, 4.0], 50) == pytest.approx(2.5)


# ------------------------------------------------------------------ quality gate

def _searcher():
    from index.retrieval.search import load_searcher
    from index.retrieval.store import IndexNotReady, index_status

    if not index_status()["ready"]:
        subprocess.run([sys.executable, "-m", "index", "build"], cwd=ROOT, check=True)
    try:
        return load_searcher()
    except IndexNotReady as error:
        pytest.fail(f"index not usable after `python -m index build`: {error}")


@pytest.mark.model        # needs the embedding model and the built index (~1 min)
def test_hybrid_recall_at_5_gate(questions):
    searcher = _searcher()
    results = bench.run_mode(searcher, questions, "hybrid")
    scores = bench.metrics([rank for rank, _ in results.values()])
    recall = scores[f"recall@{bench.K}"]
    missed = [f"{row['id']}: {row['q']} -> {row['top']}" for row in bench.misses(questions, results)]
    assert recall >= MIN_HYBRID_RECALL_AT_5, (
        f"hybrid recall@{bench.K} {recall:.3f} < {MIN_HYBRID_RECALL_AT_5}; missed:\n" + "\n".join(missed))
    assert scores["recall@1"] >= MIN_HYBRID_RECALL_AT_1, f"hybrid recall@1 {scores['recall@1']:.3f}"
