"""Citizens' questions (tests/citizen_questions.yml) against the answer-unit chooser and
the answers built from the units (data/knowledge/answer_units.yml).

The chooser runs for real (BM25 + the e5 model + the calibrated threshold); the end-to-end
tests at the bottom go through Rasa and the action server (the session `stack`).
"""
import re

import pytest
import yaml
from test_e2e_chat import Conversation      # Rasa's REST channel, as the web app talks to it

from actions.answers import programmes
from actions.answers.eligibility import eligibility_result
from index.retrieval import load_unit_index, units_data
from actions.understanding import read_question
from core.settings import PROJECT_ROOT
from core.text import fold

QUESTIONS = yaml.safe_load((PROJECT_ROOT / "tests" / "citizen_questions.yml").read_text(encoding="utf-8"))["questions"]
TOP1_FLOOR = 0.90        # measured 0.95 on 2026-11-30 (docs/results/citizens.md); the goal is ≥ 0.95
MAX_ANSWER_CHARS = 600   # issue 14: none over ~600 characters unless a list was asked for


def folded(text: str) -> str:
    return re.sub(r"\s+", "", fold(text))


@pytest.fixture(scope="module")
def choices():
    index = load_unit_index()
    return [index.choose(item["q"]) for item in QUESTIONS]


def test_the_question_set_is_as_people_type():
    unaccented = [q for q in QUESTIONS if q["q"].isascii()]
    assert len(QUESTIONS) >= 80 and len(unaccented) >= len(QUESTIONS) / 3
    assert sum(q["unit"] is None for q in QUESTIONS) >= 20
    ids = {unit["id"] for unit in units_data()["units"]}
    assert all(q["unit"] in ids for q in QUESTIONS if q["unit"])


def test_top1_accuracy_of_the_unit_choice(choices):
    """Right unit accepted, or nothing accepted for a "no data" question."""
    right = [(c.accepted and c.unit["id"] == q["unit"]) if q["unit"] else not c.accepted
             for c, q in zip(choices, QUESTIONS)]
    wrong = [(q["q"], q["unit"], c.unit["id"], c.accepted) for ok, c, q in zip(right, choices, QUESTIONS) if not ok]
    assert sum(right) / len(QUESTIONS) >= TOP1_FLOOR, wrong


def test_no_data_questions_never_get_a_neighbouring_unit(choices):
    let_through = [(q["q"], c.unit["id"]) for c, q in zip(choices, QUESTIONS) if q["unit"] is None and c.accepted]
    assert len(let_through) <= 1, let_through


def test_answers_contain_the_values_asked_for(choices):
    missing = []
    for choice, item in zip(choices, QUESTIONS):
        if item["unit"] and choice.unit["id"] == item["unit"]:
            reply = programmes.answer_unit(choice.unit, read_question(item["q"], "ask_programme"))
            missing += [(item["q"], value) for value in item.get("must", []) if folded(value) not in folded(reply.text)]
    assert not missing


def test_every_unit_is_short_sourced_dated_and_offers_related_units():
    units = units_data()["units"]
    for unit in units:
        reply = programmes.answer_unit(unit, read_question(unit["examples"][0], "ask_programme"))
        assert len(reply.text) <= MAX_ANSWER_CHARS, unit["id"]
        assert len(re.findall(r"[.?!](\s|$)", unit["answer"].strip())) <= 3, unit["id"]
        assert reply.sources and reply.sources[0]["url"].startswith("http"), unit["id"]
        if unit.get("kind") == "coverage" and "pending" in reply.context:     # which province?
            assert reply.buttons and all(b["payload"].startswith("/inform_province") for b in reply.buttons)
        else:
            assert 1 <= len(reply.buttons) <= 3, unit["id"]
        if unit.get("valid_until") and str(unit["valid_until"]) < "2026-11-30":
            assert "31/12/2025" in reply.text, unit["id"]          # an ended rule is told as ended


def test_the_eligibility_result_says_first_that_the_programme_ended():
    reply = eligibility_result("hộ nghèo", False, True)
    first = reply.text.split("\n")[0]
    assert "đã kết thúc" in first and "31/12/2025" in first and "Sở Khoa học và Công nghệ" in first
    assert "500.000 đồng/hộ" in reply.text and len(reply.text) <= MAX_ANSWER_CHARS
    assert reply.buttons


# ---------------------------------------------------------------- end to end through Rasa

@pytest.mark.e2e
@pytest.mark.parametrize("question, must, must_not", [
    ("xom toi o tren nui chua co song dien thoai, de nghi lap tram", ["Sở Khoa học và Công nghệ"], ["ngư dân", "500.000"]),
    ("nha toi ngheo co duoc cho dau thu truyen hinh khong", ["chưa xác minh"], ["500.000"]),
    ("ai duoc uu tien nhan dien thoai truoc", ["người có công"], []),
])
def test_citizen_questions_end_to_end(stack, question, must, must_not):
    reply = Conversation(stack.rasa_url, stack.token).say(question)
    assert reply["kind"] == "programme", reply
    assert all(folded(value) in folded(reply["text"]) for value in must), reply
    assert not any(folded(value) in folded(reply["text"]) for value in must_not), reply
    assert reply["buttons"]


@pytest.mark.e2e
def test_the_form_runs_only_for_the_askers_own_household(stack):
    rule = Conversation(stack.rasa_url, stack.token).say("Hộ cận nghèo có được hỗ trợ điện thoại thông minh không?")
    assert rule["kind"] == "programme" and "cận nghèo" in rule["text"]
    own = Conversation(stack.rasa_url, stack.token).say("nhà tôi có được nhận điện thoại hỗ trợ không")
    assert own["kind"] == "eligibility" and any(b["title"] == "Hộ nghèo" for b in own["buttons"])
