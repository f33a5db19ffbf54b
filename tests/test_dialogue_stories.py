"""The Rasa test stories (tests/test_stories.yml) through `rasa test core` on the trained
model (var/rasa): every user text must get the story's intent and every predicted action
must match the story. Runs in the Rasa venv, without the action server (the policies
predict; nothing is executed). Output in var/rasa-test-stories/."""
import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
MODEL = ROOT / "var" / "rasa" / "assistant.tar.gz"
STORIES = ROOT / "tests" / "test_stories.yml"
OUT = ROOT / "var" / "rasa-test-stories"


@pytest.mark.skipif(not RASA.exists() or not MODEL.exists(), reason="Rasa venv or trained model missing")
def test_stories_pass_rasa_test_core():
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run([str(RASA), "test", "core", "--model", str(MODEL), "--stories", str(STORIES),
                           "--out", str(OUT), "--no-plot"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-30:])
    assert proc.returncode == 0, tail
    report = json.loads((OUT / "story_report.json").read_text(encoding="utf-8"))
    failed = OUT / "failed_test_stories.yml"
    details = failed.read_text(encoding="utf-8") if failed.exists() else ""
    conversations = report["conversation_accuracy"]
    assert conversations["total"] >= 5, tail
    assert conversations["accuracy"] == 1.0, f"{conversations}\n{details}\n{tail}"
