"""A published plan is answered from at once by the running assistant: real Rasa, real
action server, real web app (`stack` fixture), no restart and no retraining.

The action server is restarted once, before the test, on copies of the plans and the
index (tmp dirs, so data/plans of the clone is never touched); then the test publishes
a corrected Hậu Giang plan through index/publish.py (what the admin page calls), asks
the web app, undoes the change and removes the plan, then publishes and removes a
made-up plan for a province the data lacks (Lâm Đồng), checking after each step that the
same action server process answers from the new state.
"""
import os
import shutil
import time
import uuid
from pathlib import Path

import pytest
import requests

from index import publish
from index.plans.catalog import load_catalog
from index.retrieval.store import build_dir

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Mục tiêu tốc độ băng rộng cố định của Hậu Giang năm 2025?"
OLD, NEW = "100Mb/s", "321Mb/s"          # the plan's line: "... tốc độ trung bình đạt 100Mb/s;"
WAIT_SECONDS = 60
NEW_PROVINCE_PLAN = ROOT / "tests" / "admin" / "lam-dong-2026.txt"
NEW_PROVINCE_QUESTION = "Mục tiêu tốc độ băng rộng di động của Lâm Đồng năm 2027?"


def ask(web_url: str, question: str = QUESTION) -> dict:
    response = requests.post(f"{web_url}/api/chat", timeout=30,
                             json={"sender": f"admin-{uuid.uuid4().hex[:10]}", "message": question})
    assert response.status_code == 200, response.text
    body = response.json()
    return {"text": " ".join(m.get("text", "") for m in body["messages"]).replace(" ", ""),
            "kind": body["meta"]["kind"], "sources": body["meta"].get("sources", [])}


def first_answer_with(web_url: str, wanted: str) -> tuple[float, dict]:
    """Seconds until an answer contains `wanted` (asked every 0.2 s), and that answer."""
    started = time.monotonic()
    while True:
        answer = ask(web_url)
        if wanted in answer["text"]:
            return time.monotonic() - started, answer
        assert time.monotonic() - started < WAIT_SECONDS, answer
        time.sleep(0.2)


@pytest.fixture
def private_plans(stack, tmp_path, monkeypatch):
    """The stack's action server restarted on copies of the plans and index; the test
    process points its settings at the same copies. Restored afterwards."""
    actions = stack.service("actions")
    if actions.process is None:
        pytest.skip("the stack was started outside the tests; its action server cannot be restarted here")
    plans, index, history = tmp_path / "plans", tmp_path / "index", tmp_path / "history"
    shutil.copytree(ROOT / "data" / "plans", plans)
    shutil.copytree(build_dir(), index)
    env = {"HTS_INDEX_PLANS_DIR": str(plans), "HTS_INDEX_BUILD_DIR": str(index),
           "HTS_INDEX_HISTORY_DIR": str(history)}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    original = dict(actions.env)
    actions.stop()
    actions.env = {**original, **env}
    actions.start()
    actions.wait_ready()
    yield plans
    actions.stop()
    actions.env = original
    actions.start()
    actions.wait_ready()


def test_published_plan_is_answered_without_restart(stack, private_plans):
    actions = stack.service("actions")
    pid = actions.process.pid
    before = ask(stack.web_url)
    assert before["kind"] == "target" and OLD.replace("/s", "ps").lower() in before["text"].lower(), before

    # publish a corrected Hậu Giang plan, replacing the published one
    original = (private_plans / "hau-giang.txt").read_bytes()
    assert original.count(f"tốc độ trung bình đạt {OLD}".encode()) == 1
    corrected = original.replace(f"tốc độ trung bình đạt {OLD}".encode(), f"tốc độ trung bình đạt {NEW}".encode())
    entry = next(info for info in load_catalog() if info.id == "hau-giang")
    fields = {name: getattr(entry, name) for name in publish.EDITABLE}
    staged = publish.stage_upload("hau-giang.txt", corrected)
    started = time.monotonic()
    change = publish.publish(staged.sha256, fields, plan_id="hau-giang")
    publish_seconds = time.monotonic() - started
    assert change["action"] == "replace"
    seconds, answer = first_answer_with(stack.web_url, "321Mbps")
    assert answer["kind"] == "target" and answer["sources"][0]["province"] == "Hậu Giang"
    print(f"\nADMIN publish (index build) {publish_seconds:.1f} s; first answer from the new plan "
          f"{seconds:.2f} s after publish returned")

    # undo: the previous file and entry are back, and so is the old answer
    publish.undo(change["id"])
    seconds, answer = first_answer_with(stack.web_url, "100Mbps")
    assert "321" not in answer["text"]
    print(f"ADMIN undo: first answer from the restored plan {seconds:.2f} s after undo returned")

    # remove: the assistant no longer answers from that plan
    removed = publish.remove("hau-giang")
    gone = ask(stack.web_url)
    assert gone["kind"] == "no_plan" and "100Mbps" not in gone["text"], gone
    print(f"ADMIN removed: {gone['kind']}: {gone['text'][:120]}")
    publish.undo(removed["id"])
    _, back = first_answer_with(stack.web_url, "100Mbps")
    assert back["kind"] == "target"

    # a made-up plan for a province the data lacks: answered with its source, then "no plan"
    assert ask(stack.web_url, NEW_PROVINCE_QUESTION)["kind"] == "no_plan"
    staged = publish.stage_upload("lam-dong.txt", NEW_PROVINCE_PLAN.read_bytes())
    change = publish.publish(staged.sha256, {"period": "2026 - 2027"})
    answer = ask(stack.web_url, NEW_PROVINCE_QUESTION)
    assert answer["kind"] == "target" and "80Mbps" in answer["text"], answer
    source = answer["sources"][0]
    assert (source["province"], source["plan"]) == ("Lâm Đồng", change["plan"]), source
    assert source["anchor"] and source["section"].startswith("II. MỤC TIÊU"), source
    print(f"ADMIN new province: {answer['text'][:160]}")
    publish.remove(change["plan"])
    assert ask(stack.web_url, NEW_PROVINCE_QUESTION)["kind"] == "no_plan"

    assert actions.process.pid == pid and actions.process.poll() is None     # never restarted
    assert os.path.getsize(private_plans / "hau-giang.txt") == len(original)
