"""Format checks of the real-question set (tests/real_questions/{tuning,heldout}.yaml).

Fast, no stack: both halves parse as score.py item lists, every item names its public
source, ids are unique across the halves, no source page is in both halves (and each
source sits in the half its URL hash gives: the split rule of tests/real_questions/README.md),
each half keeps at least 75 items, and every `facts` entry that is a path
(../shared/... or data/...) exists, relative to the repository root.
"""
import hashlib
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DIR = ROOT / "tests" / "real_questions"
HALVES = ("tuning", "heldout")
MIN_ITEMS = 75


def load(half: str) -> list[dict]:
    path = DIR / f"{half}.yaml"
    if not path.exists():
        pytest.skip(f"{path.name} not committed yet")
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(items, list) and items, f"{path.name}: not a list of items"
    return items


def half_of(url: str) -> str:
    """The split rule: SHA-1 of the source URL, even -> tuning, odd -> heldout."""
    return "tuning" if int(hashlib.sha1(url.encode()).hexdigest(), 16) % 2 == 0 else "heldout"


@pytest.mark.parametrize("half", HALVES)
def test_items_have_score_format_and_source(half):
    items = load(half)
    assert len(items) >= MIN_ITEMS, f"{half}: {len(items)} items, want >= {MIN_ITEMS}"
    for it in items:
        assert isinstance(it, dict), it
        iid = it.get("id")
        assert isinstance(iid, str) and re.fullmatch(r"[a-z0-9]+\d\d", iid), iid
        assert ("q" in it) != ("turns" in it), f"{iid}: exactly one of q / turns"
        if "q" in it:
            assert isinstance(it["q"], str) and it["q"].strip(), iid
        else:
            assert isinstance(it["turns"], list) and len(it["turns"]) >= 2, iid
            assert all(isinstance(t, str) and t.strip() for t in it["turns"]), iid
        must = it.get("must")
        assert isinstance(must, list) and must, f"{iid}: must needs at least one group"
        for group in must:
            assert isinstance(group, list) and group, f"{iid}: empty group"
            assert all(isinstance(a, str) and a.strip() for a in group), f"{iid}: {group}"
        assert all(isinstance(b, str) and b.strip() for b in it.get("must_not", [])), iid
        assert it.get("kind") in (None, "oos", "no_plan"), iid
        assert str(it.get("source", "")).startswith(("http://", "https://")), f"{iid}: no source URL"
        assert it.get("source_name"), f"{iid}: no source_name"
        assert it.get("topic"), f"{iid}: no topic"
        assert isinstance(it.get("facts"), list) and it["facts"], f"{iid}: no facts"


def test_ids_unique_and_halves_share_no_source():
    tuning, heldout = load("tuning"), load("heldout")
    ids = [it["id"] for it in tuning + heldout]
    assert len(ids) == len(set(ids)), "duplicate ids"
    shared = {it["source"] for it in tuning} & {it["source"] for it in heldout}
    assert not shared, f"sources in both halves: {sorted(shared)}"


@pytest.mark.parametrize("half", HALVES)
def test_sources_follow_the_split_rule(half):
    wrong = sorted({it["source"] for it in load(half) if half_of(it["source"]) != half})
    assert not wrong, f"{half}: sources whose hash puts them in the other half: {wrong}"


@pytest.mark.parametrize("half", HALVES)
def test_fact_paths_exist(half):
    missing = []
    for it in load(half):
        for fact in it["facts"]:
            if not fact.startswith(("../", "data/")):
                continue  # "official answer on the source page", "FACT GAP: ..."
            path = re.split(r"[#\s]", fact, maxsplit=1)[0]
            if not (ROOT / path).exists():
                missing.append(f"{it['id']}: {path}")
    assert not missing, missing
