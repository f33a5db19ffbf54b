"""Masking of personal data (bot/text.py scrub) on the generated corpus of
tests/privacy_corpus.py (over 200 forms: numbers split by any separator or written in
words, spaced and spelled-out e-mails, names after "tên tôi là", addresses after "nhà
tôi ở số"), and on every question the project's own corpora hold, which must come out
unchanged (no question loses its substance to the masking)."""
import glob
from pathlib import Path

import yaml

from bot.text import scrub
from tests.privacy_corpus import corpus, score

ROOT = Path(__file__).resolve().parent.parent


def test_the_corpus_has_over_200_forms_of_every_kind():
    forms = corpus()
    assert len(forms) >= 200
    assert {"phone", "cccd", "cmnd", "bank", "card", "phone_words", "cccd_words", "email", "name",
            "address"} <= {form["kind"] for form in forms}


def test_every_form_is_masked_and_the_place_asked_about_is_kept():
    result = score(scrub)
    assert result["failures"] == [], result["failures"][:5]
    assert result["masked"] == result["forms"]


def test_masking_is_idempotent_on_the_corpus():
    for form in corpus():
        once = scrub(form["text"])
        assert scrub(once) == once


def _questions() -> list[str]:
    texts = [q["q"] for q in yaml.safe_load((ROOT / "tests/citizen_questions.yml").read_text())["questions"]]
    for name in ("tests/real_questions/tuning.yaml", "tests/real_questions/heldout.yaml"):
        for item in yaml.safe_load((ROOT / name).read_text(encoding="utf-8")):
            texts += [item["q"]] if "q" in item else list(item.get("turns") or [])
    for name in ("tests/retrieval/questions.yml", "tests/retrieval/out_of_scope.yml"):
        def walk(value):
            if isinstance(value, str):
                texts.append(value)
            elif isinstance(value, dict):
                for item in value.values():
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)
        walk(yaml.safe_load((ROOT / name).read_text(encoding="utf-8")))
    for name in glob.glob(str(ROOT / "data/nlu/*.yml")):
        for item in (yaml.safe_load(Path(name).read_text(encoding="utf-8")) or {}).get("nlu", []):
            texts += [line.lstrip("- ") for line in str(item.get("examples", "")).splitlines()]
    return texts


def test_the_projects_questions_are_not_masked():
    questions = _questions()
    assert len(questions) > 2000
    changed = [(q, scrub(q)) for q in questions if scrub(q) != q]
    assert changed == []
