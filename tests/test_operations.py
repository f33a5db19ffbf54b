"""What an operator needs (issue 22): /metrics (prometheus-client) protected like the
admin API, JSON log lines with rotation, Rasa's telemetry off wherever Rasa runs, the
CPU build of torch from a configurable index, Valkey in compose."""
import json
import logging
from pathlib import Path

import pytest

from bot.app import create_app
from core.logs import JsonFormatter
from stack import runner

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "metrics-token"


@pytest.fixture
def app(tmp_path, closed_url):
    return create_app({"rasa.url": closed_url, "actions.url": closed_url, "web.admin_token": TOKEN,
                       "web.database": str(tmp_path / "a.sqlite3"), "web.rate_limit_per_minute": 0})


def test_metrics_need_the_admin_token_and_count_requests_answers_and_components(app, tmp_path, closed_url):
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    client.get("/healthz")
    client.post("/api/chat", json={"sender": "m-1", "message": "khi nào tắt sóng 2G?"})   # 503: no Rasa
    app.extensions["hts.metrics"].answer("out_of_scope")
    app.extensions["hts.metrics"].answer("target")
    scraped = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert scraped.status_code == 200 and scraped.mimetype == "text/plain"
    text = scraped.get_data(as_text=True)
    assert 'hts_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    assert 'hts_http_requests_total{method="POST",route="/api/chat",status="503"} 1.0' in text
    assert 'hts_http_request_seconds_bucket{le="0.005",route="/healthz"}' in text
    assert 'hts_answers_total{kind="out_of_scope"} 1.0' in text and 'hts_answers_total{kind="target"} 1.0' in text
    assert 'hts_declines_total{kind="out_of_scope"} 1.0' in text and 'kind="target"' not in text.split("hts_declines")[-1]
    assert 'hts_component_up{component="rasa"} 0.0' in text and 'hts_component_up{component="actions"} 0.0' in text
    assert "khi nào" not in text and "m-1" not in text
    off = create_app({"web.admin_token": "", "web.database": str(tmp_path / "b.sqlite3")}).test_client()
    assert off.get("/metrics").status_code == 404
    print("\n" + "\n".join(line for line in text.splitlines() if line.startswith("hts_") and "_bucket" not in line))


def test_log_lines_are_json():
    record = logging.LogRecord("bot.chat", logging.INFO, __file__, 1, "answered message %s kind=%s", ("ab12", "target"),
                               None)
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "INFO" and line["logger"] == "bot.chat"
    assert line["message"] == "answered message ab12 kind=target" and line["time"].endswith("Z")


def test_service_logs_are_rotated_by_copy_and_truncate(tmp_path, monkeypatch):
    monkeypatch.setenv("HTS_LOGGING_MAX_MB", "0.001")       # about 1 KB
    monkeypatch.setenv("HTS_LOGGING_KEEP", "2")
    path = tmp_path / "web.log"
    with open(path, "ab") as writer:                        # the service's descriptor stays open
        for round_ in range(3):
            writer.write(f"round {round_}\n".encode() * 200)
            writer.flush()
            assert runner.rotate(path)
        writer.write(b"after\n")
        writer.flush()
    assert path.read_bytes() == b"after\n"
    assert b"round 2" in (tmp_path / "web.log.1").read_bytes()
    assert b"round 1" in (tmp_path / "web.log.2").read_bytes()
    assert not (tmp_path / "web.log.3").exists()
    assert not runner.rotate(path)                          # under the limit: left alone


def test_rasa_telemetry_is_off_wherever_rasa_runs():
    assert "RASA_TELEMETRY_ENABLED" in (ROOT / "stack/rasa_server.py").read_text()
    assert "export RASA_TELEMETRY_ENABLED=false" in (ROOT / "stack/setup/train.sh").read_text()
    assert "RASA_TELEMETRY_ENABLED=false" in (ROOT / "deploy/docker/rasa.Dockerfile").read_text()
    assert 'RASA_TELEMETRY_ENABLED: "false"' in (ROOT / "deploy/compose/docker-compose.yml").read_text()
    helm = (ROOT / "deploy/helm/values.yaml").read_text()
    assert "RASA_TELEMETRY_ENABLED" in helm and "enabled: false" in helm
    stack = runner.Stack(rasa_url="http://127.0.0.1:1", actions_url="http://127.0.0.1:2", web_port=3)
    assert stack.service("rasa").command[1:3] == ["-m", "stack.rasa_server"]
    assert stack.token not in " ".join(stack.service("rasa").command)


def test_setup_takes_torch_from_a_configurable_cpu_index_and_compose_runs_valkey():
    script = (ROOT / "stack/setup/ensure_venv.sh").read_text()
    assert "TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu" in script and "TORCH_WHEEL" in script
    compose = (ROOT / "deploy/compose/docker-compose.yml").read_text()
    assert "image: valkey/valkey:8.0.2" in compose and "image: redis" not in compose
