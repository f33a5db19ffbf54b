"""dialogue/tracker_store.py in Rasa's venv, on SQLite files, with the real domain: the
windowed store gives the same slots and active loop as Rasa's SQLTrackerStore after every
turn of a long conversation, while its session stays at most max_turns user messages long
and its rows stay bounded. End to end through the stack: tests/test_e2e_chat.py
(test_a_long_conversation_keeps_its_context)."""
import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

# Drives both stores with the same turns, as Rasa's processor does (retrieve, update,
# save), and prints one JSON line per turn.
DRIVER = r"""
import asyncio, json, sys
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from dialogue.tracker_store import WindowedSQLTrackerStore

folder, turns, loop_from, loop_until = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
domain = Domain.load("domain")
plain = SQLTrackerStore(domain, dialect="sqlite", db=f"{folder}/plain.db")
windowed = WindowedSQLTrackerStore(domain, dialect="sqlite", db=f"{folder}/windowed.db", max_turns=6)

async def turn(store, i):
    tracker = await store.get_or_create_tracker("user-1")
    tracker.update(UserUttered(f"câu hỏi {i}", {"name": "ask_target", "confidence": 1.0}))
    if i == loop_from:
        tracker.update(ActionExecuted("action_answer"))
        tracker.update(ActionExecuted("eligibility_form"))
        tracker.update(ActiveLoop("eligibility_form"))
    elif i == loop_until:
        tracker.update(ActionExecuted("eligibility_form"))
        tracker.update(ActiveLoop(None))
    else:
        tracker.update(ActionExecuted("action_answer"))
    if i % 3 == 0:
        tracker.update(SlotSet("province", f"Tỉnh {i}"))
    if i % 4 == 1:
        tracker.update(SlotSet("indicators", [f"chỉ tiêu {i}"]))
    if i == 5:
        tracker.update(SlotSet("year", "2030"))
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)

async def main():
    for i in range(turns):
        await turn(plain, i)
        await turn(windowed, i)
        a, b = await plain.retrieve("user-1"), await windowed.retrieve("user-1")
        with windowed.session_scope() as session:
            rows = session.query(windowed.SQLEvent).count()
        print(json.dumps({"turn": i, "slots_equal": a.current_slot_values() == b.current_slot_values(),
                          "loop": [a.active_loop_name, b.active_loop_name],
                          "users": sum(isinstance(e, UserUttered) for e in b.events),
                          "latest": [a.latest_message.text, b.latest_message.text], "rows": rows,
                          "province": b.get_slot("province"), "year": b.get_slot("year")}), flush=True)

asyncio.run(main())
"""


def _drive(tmp_path, turns: int, loop_from: int = -1, loop_until: int = -1) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false",
           "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run([str(RASA_PYTHON), "-c", DRIVER, str(tmp_path), str(turns), str(loop_from),
                           str(loop_until)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


pytestmark = pytest.mark.skipif(not RASA_PYTHON.exists(), reason="Rasa venv missing")


def test_the_windowed_session_keeps_the_state_of_the_whole_conversation(tmp_path):
    results = _drive(tmp_path, turns=40)
    assert len(results) == 40
    for turn in results:
        assert turn["slots_equal"], turn
        assert turn["latest"][0] == turn["latest"][1], turn
        assert turn["users"] <= 6, turn
        assert turn["rows"] <= 6 * 6, turn                # a few events per turn, never the whole history
    last = results[-1]
    assert last["province"] == "Tỉnh 39" and last["year"] == "2030"   # set at turn 5, kept through the cuts


def test_no_cut_inside_an_active_loop(tmp_path):
    # a form open from turn 3 to turn 20: the session keeps the form whole, then shrinks
    results = _drive(tmp_path, turns=30, loop_from=3, loop_until=20)
    for turn in results:
        assert turn["slots_equal"] and turn["loop"][0] == turn["loop"][1], turn
    assert results[15]["loop"] == ["eligibility_form", "eligibility_form"]
    # not cut inside the form: cut just before it opened (turn 3), so turns 3..15 stay
    assert results[15]["users"] == 15 - 3 + 1
    assert results[-1]["users"] <= 6 and results[-1]["loop"] == [None, None]


SPEEDUPS = r"""
import json, logging
import dialogue  # applies dialogue/rasa_speedups.py, as Rasa does when it creates the tracker store
import rasa.core.processor as processor
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

events = [{"event": "slot", "name": "province", "value": ["Tuyên Quang"]}]
kept = processor.copy.deepcopy(events) is events
logging.getLogger("rasa.core.processor").setLevel(logging.DEBUG)
copied = processor.copy.deepcopy(events)
action = RemoteAction("action_answer", EndpointConfig("http://127.0.0.1:1/webhook"))
schema = action.action_response_format_spec()
samples = [
    {"events": events, "responses": [{"text": "Chào bạn", "custom": {"kind": "target"}}]},
    {"events": [{"event": "bot", "text": "x", "data": {"custom": {"a": [1]}}}, {"event": "followup", "name": "f"},
                {"event": "active_loop", "name": None}, {"event": "action", "name": "action_listen"}], "responses": []},
    {"events": [{"event": 5}], "responses": []},
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": [{"event": "slot"}], "responses": []},
    {"events": [{"event": "followup", "name": 3}], "responses": []},
    {"events": ["slot"], "responses": []},
    {"events": {"event": "slot"}, "responses": []},
    {"responses": [{"text": "chỉ có câu trả lời"}]},
]

def outcome(check, sample):
    try:
        check(sample)
        return "valid"
    except ValidationError:
        return "invalid"

import jsonschema
rasa_says = [outcome(lambda r: jsonschema.validate(r, schema), s) for s in samples]
patched_says = [outcome(action._validate_action_result, s) for s in samples]
print(json.dumps({"kept": kept, "copied": copied == events and copied is not events,
                  "same": rasa_says == patched_says, "verdicts": rasa_says}))
"""


def test_rasa_speedups_keep_rasa_s_behaviour():
    """Debug-message copies only at DEBUG; action responses still validated, invalid ones refused."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run([str(RASA_PYTHON), "-c", SPEEDUPS], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["kept"] and result["copied"]
    assert result["same"] and result["verdicts"][:2] == ["valid", "valid"] and "invalid" in result["verdicts"], result


PARSE = r"""
import asyncio, json, sys, time
if sys.argv[1] == "patched":
    import dialogue  # the speed-ups, as in the Rasa server: imported before the model loads
from rasa.core.agent import load_agent
from rasa.shared.nlu.training_data.message import Message

sentences = json.loads(sys.stdin.read())

async def main():
    started = time.monotonic()
    agent = await load_agent(model_path="var/rasa/assistant.tar.gz")
    seconds = time.monotonic() - started
    results = []
    for text in sentences:
        parsed = await agent.parse_message(text)
        results.append({"intent": [(i["name"], round(i["confidence"], 6)) for i in parsed["intent_ranking"]],
                        "entities": [(e["entity"], e["value"], e["start"], e["end"]) for e in parsed["entities"]]})
    print(json.dumps({"results": results, "load_seconds": round(seconds, 1),
                      "patched": Message._combine_features.__module__ == "dialogue.rasa_speedups"}))

asyncio.run(main())
"""


def _parse(mode: str, sentences: list[str]) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "PYTHONWARNINGS": "ignore",
           "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run([str(RASA_PYTHON), "-c", PARSE, mode], cwd=ROOT, env=env, capture_output=True, text=True,
                          input=json.dumps(sentences), timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not (ROOT / "var" / "rasa" / "assistant.tar.gz").exists(), reason="no trained model")
def test_rasa_speedups_parse_the_same():
    """The trained model, loaded and run by Rasa's own code and with the speed-ups (which load
    DIET without its one-step fit, join features in one hstack and look events up in a
    table), parses the citizens' questions to the same intent ranking and entities."""
    import yaml
    questions = yaml.safe_load((ROOT / "tests" / "citizen_questions.yml").read_text(encoding="utf-8"))
    sentences = [item["q"] for item in questions["questions"]] + [
        "thôn tôi chưa có sóng", "khi nao tat song 2g", "Tuyên Quang", "còn năm 2030 thì sao?", "hủy", "không"]
    plain, patched = _parse("plain", sentences), _parse("patched", sentences)
    assert patched["patched"] and not plain["patched"]
    assert len(plain["results"]) == len(sentences)
    differences = [(s, a, b) for s, a, b in zip(sentences, plain["results"], patched["results"]) if a != b]
    assert not differences, differences[:3]
    print(f"model load: {plain['load_seconds']} s with Rasa's code, {patched['load_seconds']} s with the speed-ups")
