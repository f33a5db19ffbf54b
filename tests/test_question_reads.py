"""How often a turn reads its question (actions/understanding.py `read_question`: places,
plans, indicators, agencies, years): once per turn, whatever the turn continues.

Each turn runs the real `action_answer` (rasa_sdk's Tracker with the slots Rasa would
send; only the NLU's intent is given) and counts every call of `read_question`, wherever
it is imported. Before issue 23 a follow-up read its message three times.
"""
import sys

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import understanding
from actions.actions import ActionAnswer

TOPIC = {"topic": "ask_target", "topic_text": "Mục tiêu số thuê bao băng rộng di động của Tuyên Quang năm 2025?",
         "plans": ["tuyen-quang"], "indicators": ["mobile_broadband_subscriptions_per_100"], "years": [2025],
         "value_kind": "target"}
PENDING = {"intent": "ask_target", "text": "Mục tiêu tốc độ băng rộng di động năm 2025?",
           "indicators": [], "agencies": [], "years": [2025]}


def _tracker(text: str, intent: str, slots: dict | None = None, entities=None) -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []}
    return Tracker("reads", dict(slots or {}), message, [], False, None, {}, "action_listen")


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """Texts read by read_question during the test, in order."""
    original = understanding.read_question
    seen: list[str] = []

    def counting(text, intent, entities=None):
        seen.append(text)
        return original(text, intent, entities)

    for name, module in list(sys.modules.items()):
        if (name == "actions" or name.startswith("actions.")) and getattr(module, "read_question", None) is original:
            monkeypatch.setattr(module, "read_question", counting)
    return seen


@pytest.mark.parametrize("text, intent, slots, entities", [
    ("Mục tiêu tốc độ băng rộng di động của Tiền Giang năm 2025?", "ask_target", {}, []),
    ("thế còn Bình Phước?", "inform_province", TOPIC, []),                     # a follow-up
    ("đạt chưa?", "affirm", TOPIC, []),                                         # a follow-up despite its intent
    ("Tiền Giang", "inform_province", {"pending_question": PENDING},           # answers a clarification
     [{"entity": "province", "value": "Tiền Giang"}]),
    ("khi nao tat song 2g", "ask_programme", {}, []),
    ("Thôn tôi ở Tuyên Quang chưa có sóng điện thoại, đề nghị lắp trạm", "ask_programme", {}, []),  # + plan targets
    ("điện thoại 2G của tôi còn dùng được không", "check_eligibility", {}, []),
    ("xin chào", "greet", TOPIC, []),
])
def test_a_turn_reads_its_question_once(reads, text, intent, slots, entities):
    dispatcher = CollectingDispatcher()
    ActionAnswer().run(dispatcher, _tracker(text, intent, slots, entities), {})
    assert dispatcher.messages, "no answer"
    assert len(reads) == 1, reads
