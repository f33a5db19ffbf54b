"""End to end through the real Rasa server (trained model) and the real action server,
over the web app's channel of Rasa (dialogue/channel.py, with the stack's token), as the
web app talks to it: single questions, a
clarification answered with a button, follow-ups, and the eligibility form."""
import json
import re
import sqlite3
import urllib.request
import uuid

import pytest
import yaml

from core import settings
from stack import retention

pytestmark = pytest.mark.e2e


class Conversation:
    def __init__(self, rasa_url: str, token: str):
        self.url = f"{rasa_url}/webhooks/webapp/webhook"
        self.token = token
        self.sender = f"e2e-{uuid.uuid4().hex[:10]}"

    def say(self, message: str) -> dict:
        request = urllib.request.Request(self.url, data=json.dumps({"sender": self.sender, "message": message}).encode(),
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            events = json.load(response)
        customs = [e["custom"] for e in events if isinstance(e.get("custom"), dict)]
        return {"text": "\n".join(e["text"] for e in events if e.get("text")),
                "buttons": [b for e in events for b in e.get("buttons") or []],
                "kind": customs[0]["kind"] if customs else None,
                "sources": customs[0].get("sources", []) if customs else []}


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text.lower()).replace(",", ".")


@pytest.fixture
def chat(stack):
    return Conversation(stack.rasa_url, stack.token)


@pytest.mark.parametrize("question, kind, province, expected", [
    ("Mục tiêu tốc độ băng rộng cố định của Tuyên Quang năm 2025?", "target", "Tuyên Quang", "120mbps"),
    ("hien trang cap quang tuyen quang", "status", "Tuyên Quang", "54.83%"),
    ("Sở Xây dựng Hậu Giang phải làm gì?", "duty", "Hậu Giang", "cấpphép"),
    ("so sanh ty le dung chung BTS giua cac tinh", "compare", None, "bts"),
    ("Kế hoạch của Tiền Giang do ai ký?", "document", "Tiền Giang", "nguyễnvănvĩnh"),
    ("khi nao tat song 2g", "programme", None, "2g"),
    ("Kế hoạch hạ tầng số của Hà Nội có mục tiêu gì?", "no_plan", None, "hànội"),
    ("giá vàng hôm nay bao nhiêu", None, None, ""),
])
def test_single_questions(chat, question, kind, province, expected):
    reply = chat.say(question)
    if kind is None:                                   # out of scope: any decline will do
        assert reply["kind"] in ("out_of_scope", "fallback"), reply
        return
    assert reply["kind"] == kind, reply
    if province:
        assert reply["sources"][0]["province"] == province
    assert expected in squash(reply["text"])


def test_clarification_then_province_button(chat):
    first = chat.say("Mục tiêu tốc độ băng rộng di động năm 2025 là bao nhiêu?")
    assert first["kind"] == "clarify" and first["buttons"]
    button = next(b for b in first["buttons"] if b["title"] == "Sóc Trăng")
    second = chat.say(button["payload"])
    assert second["kind"] == "target" and second["sources"][0]["province"] == "Sóc Trăng"
    assert "40mbps" in squash(second["text"])


def test_follow_ups_keep_the_context(chat):
    first = chat.say("Mục tiêu số thuê bao băng rộng cố định trên 100 dân của Tuyên Quang?")
    assert first["kind"] == "target"
    later = chat.say("còn năm 2030 thì sao?")
    assert later["kind"] == "target" and "40thuêbao/100dân" in squash(later["text"])
    other = chat.say("thế còn Bình Phước?")
    assert other["sources"][0]["province"] == "Bình Phước" and "60thuêbao/100dân" in squash(other["text"])


def test_eligibility_form(chat):
    first = chat.say("Tôi có được hỗ trợ điện thoại thông minh không?")
    assert first["kind"] == "eligibility" and first["buttons"]
    assert chat.say("hộ cận nghèo")["buttons"]            # asked about a tablet
    assert chat.say("/deny")["buttons"]                    # asked whether they bought a phone
    result = chat.say("/affirm")
    assert result["kind"] == "eligibility"
    assert "500.000" in result["text"] and "31/12/2025" in result["text"]


def test_eligibility_form_for_a_household_that_is_not_eligible(chat):
    chat.say("kiem tra giup toi co duoc ho tro dien thoai khong")
    result = chat.say("không thuộc diện nào")
    assert result["kind"] == "eligibility" and "không thuộc đối tượng" in result["text"]


def test_a_long_conversation_keeps_its_context(stack):
    """Longer than the tracker store's window (endpoints.yml: max_turns): the province
    and the indicator of the first question still carry the follow-ups after many
    turns, and Rasa keeps only a few turns of the session (dialogue/tracker_store.py)."""
    chat = Conversation(stack.rasa_url, stack.token)
    endpoints = stack.service("rasa").command[stack.service("rasa").command.index("--endpoints") + 1]
    max_turns = yaml.safe_load(settings.project_path(endpoints).read_text(encoding="utf-8"))["tracker_store"]["max_turns"]
    first = chat.say("Mục tiêu số thuê bao băng rộng cố định trên 100 dân của Tuyên Quang?")
    assert first["kind"] == "target"
    for _ in range(max_turns + 3):
        assert chat.say("năm 2025")["kind"] == "target"
    later = chat.say("còn năm 2030 thì sao?")
    assert later["kind"] == "target" and later["sources"][0]["province"] == "Tuyên Quang"
    assert "40thuêbao/100dân" in squash(later["text"])
    database = retention.sqlite_path(retention.tracker_store(settings.project_path(endpoints)))
    with sqlite3.connect(database) as db:
        users = db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ? AND type_name = 'user'",
                           (chat.sender,)).fetchone()[0]
    assert users <= max_turns
