"""Conversations as people have them, through the web app's POST /api/chat on the real
stack (trained Rasa model, action server, index): follow-ups on a province, an
indicator, an agency, a year, target or status; a place given first; former districts
and merged provinces; comparisons and "so với các tỉnh khác"; country-wide questions;
the eligibility check left for another question; a stale button.

Data-driven from tests/conversations.yml (one sender per item, the last reply checked:
its text, its kind and its first source's province); see that file for the fields.
"""
import json
import re
import unicodedata
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.e2e

CONVERSATIONS = yaml.safe_load((Path(__file__).parent / "conversations.yml").read_text(encoding="utf-8"))


def normalize(text: str) -> str:
    """As ../shared/eval/score.py compares: NFC, lower case, no spaces, "94,82" = "94.82"."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFC", text).lower())
    return re.sub(r"(?<=\d),(?=\d)", ".", text)


def fold_province(name: str) -> str:
    text = unicodedata.normalize("NFD", name.lower().replace("đ", "d"))
    return "".join(c for c in text if unicodedata.category(c) != "Mn").strip()


def send(web_url: str, sender: str, message: str) -> dict:
    """One message to POST /api/chat: {"messages": [{"text", "buttons"}...], "meta": {...}}."""
    request = urllib.request.Request(f"{web_url}/api/chat", data=json.dumps({"sender": sender, "message": message}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.load(response)


def test_the_set_is_large_and_distinct_from_the_dev_set():
    dev = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev_conversations.yaml"
    assert len(CONVERSATIONS) >= 60
    assert len({item["id"] for item in CONVERSATIONS}) == len(CONVERSATIONS)
    if dev.exists():
        dev_turns = {normalize(t) for item in yaml.safe_load(dev.read_text(encoding="utf-8")) for t in item["turns"]}
        copied = [t for item in CONVERSATIONS for t in item["turns"] if normalize(t) in dev_turns]
        assert not copied, f"turns copied from the dev set: {copied}"


@pytest.mark.parametrize("item", CONVERSATIONS, ids=[item["id"] for item in CONVERSATIONS])
def test_conversation(stack, item):
    sender = f"conv-{item['id']}-{uuid.uuid4().hex[:8]}"
    for message in item["turns"]:
        reply = send(stack.web_url, sender, message)
    text = "\n".join(m.get("text") or "" for m in reply["messages"])
    meta = reply.get("meta") or {}
    said = normalize(text)
    for group in item.get("must", []):
        assert any(normalize(option) in said for option in group), f"none of {group} in: {text}"
    for unwanted in item.get("must_not", []):
        assert normalize(unwanted) not in said, f"{unwanted!r} in: {text}"
    if "kind" in item:
        assert meta.get("kind") == item["kind"], f"kind {meta.get('kind')!r}: {text}"
    assert meta.get("kind") not in item.get("not_kind", []), f"kind {meta.get('kind')!r}: {text}"
    if "province" in item:
        sources = meta.get("sources") or []
        first = fold_province(sources[0].get("province", "")) if sources else ""
        assert first == fold_province(item["province"]), f"first source {first!r}: {text}"
