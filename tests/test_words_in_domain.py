"""The assistant's words live in the domain's responses, not in Python (issue 10).

- every response an action asks for (`say("utter_x")`, `buttons("utter_x")`, a form's
  `utter_ask_<slot>`) exists in domain/responses/, and every variable it needs is given;
- no string literal of the action server's code (docstrings and comments aside) is a
  Vietnamese sentence: a sentence there would be a word of the assistant that rewording
  cannot reach without a code change.
"""
import ast
import re
from pathlib import Path

import pytest
import yaml

from actions import phrases

ROOT = Path(__file__).resolve().parent.parent
VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I)
MIN_SENTENCE_WORDS = 3


def _string_literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string constant of a module but its docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            docstrings.add(id(body[0].value))
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def vietnamese_sentences(folder: Path) -> list[str]:
    """"file:line: text" of each literal with Vietnamese letters and at least three words."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        for line, text in _string_literals(path):
            if VIETNAMESE.search(text) and len(text.split()) >= MIN_SENTENCE_WORDS:
                found.append(f"{path.relative_to(ROOT)}:{line}: {text[:60]!r}")
    return found


def test_no_vietnamese_sentence_in_the_action_code():
    assert vietnamese_sentences(ROOT / "actions") == []


def _responses_asked_for() -> set[str]:
    """Response names written whole in the action code (an f-string's fixed part, as in
    f"utter_{intent}", is not a name)."""
    names = set()
    for path in (ROOT / "actions").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parts = {id(value) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for value in node.values}
        names |= {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
                  and isinstance(node.value, str) and id(node) not in parts
                  and re.fullmatch(r"utter_[a-z0-9_]+", node.value)}
    return names


def test_every_response_the_actions_use_exists():
    missing = sorted(_responses_asked_for() - set(phrases.responses()))
    assert missing == []


def test_every_form_question_is_a_response():
    dialogue = yaml.safe_load((ROOT / "domain" / "dialogue.yml").read_text(encoding="utf-8"))
    for form in dialogue["forms"].values():
        for slot in form["required_slots"]:
            assert f"utter_ask_{slot}" in phrases.responses(), slot


def test_say_fills_variables_and_refuses_a_missing_one():
    assert "Tiền Giang" in phrases.say("utter_capabilities", plans="Tiền Giang")
    with pytest.raises(KeyError):
        phrases.say("utter_capabilities")
    with pytest.raises(KeyError):
        phrases.say("utter_no_such_response")
