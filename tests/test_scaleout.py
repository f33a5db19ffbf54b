"""The scale-out profile, for real on this machine: two Rasa servers sharing a PostgreSQL
tracker store and a Redis lock store through deploy/scaleout/endpoints.yml, two action
servers, two stateless web apps (stack/scaleout.py; PostgreSQL and Redis are Debian's,
run as throwaway servers: stack/setup/ensure_services.sh installs them).

Every conversation alternates its turns between the two web apps, hence between the two
Rasa servers (web app i talks to Rasa server i, which calls action server i): a
clarification asked on A is answered on B, a follow-up moves to the other server, the
eligibility form is filled across both. The events are checked in PostgreSQL, the locks
in Redis. The deployment files (compose, Helm values) cannot run here (no Docker engine,
no cluster): they are checked for YAML syntax and for agreeing with the endpoints file.
"""
import json
import re
import subprocess
import threading
import uuid
from pathlib import Path

import pytest
import requests
import yaml

from stack import scaleout

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"

e2e = pytest.mark.e2e


# ---------------------------------------------------------------- deployment files

def _code(text: str) -> str:
    """The YAML without its comments."""
    return "\n".join(line.split(" #")[0] for line in text.splitlines() if not line.lstrip().startswith("#"))


def _variables(text: str) -> set[str]:
    """${NAME} references outside comments."""
    return set(re.findall(r"\$\{([A-Z0-9_]+)\}", _code(text)))


def test_deploy_yaml_files_parse():
    files = sorted(DEPLOY.rglob("*.yml")) + sorted(DEPLOY.rglob("*.yaml"))
    assert len(files) >= 3, files
    for path in files:
        text = path.read_text(encoding="utf-8")
        documents = list(yaml.safe_load_all(text))
        assert documents and all(isinstance(d, dict) for d in documents), path


def test_scaleout_endpoints_use_rasa_stores_with_unquoted_variables():
    text = (DEPLOY / "scaleout" / "endpoints.yml").read_text(encoding="utf-8")
    endpoints = yaml.safe_load(text)
    assert endpoints["tracker_store"]["type"] == "dialogue.tracker_store.WindowedSQLTrackerStore"
    assert endpoints["tracker_store"]["dialect"] == "postgresql"
    assert endpoints["lock_store"]["type"] == "redis"
    assert endpoints["lock_store"]["key_prefix"].isalnum()        # Rasa ignores a non-alphanumeric prefix
    # Rasa only expands ${VAR} in plain scalars: a quoted one would stay literal
    assert not re.search(r"""["']\$\{""", _code(text))
    assert _variables(text) == {"ACTION_SERVER_URL", "DB_HOST", "DB_PORT", "DB_USER", "DB_PASSWORD",
                                "DB_DATABASE", "REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD", "HTS_RASA_TOKEN"}


def test_rasa_reads_the_endpoints_with_the_environment():
    """Rasa's own reader (its venv): variables substituted, a missing one refused."""
    code = """
import json, os, sys
from rasa.utils.endpoints import read_endpoint_config
path = sys.argv[1]
out = {}
for kind in ("tracker_store", "lock_store", "action_endpoint"):
    config = read_endpoint_config(path, kind)
    out[kind] = {"url": config.url, "type": config.type, "headers": config.headers or {},
                 **{k: str(v) for k, v in config.kwargs.items()}}
print(json.dumps(out))
"""
    env = {"PATH": "/usr/bin:/bin", "ACTION_SERVER_URL": "http://actions:5055/webhook", "DB_HOST": "db",
           "DB_PORT": "5432", "DB_USER": "rasa", "DB_PASSWORD": "s3cret", "DB_DATABASE": "rasa",
           "REDIS_HOST": "redis", "REDIS_PORT": "6379", "REDIS_PASSWORD": "", "HTS_RASA_TOKEN": "t0k"}
    python = str(ROOT / ".venv-rasa" / "bin" / "python")
    result = subprocess.run([python, "-c", code, str(DEPLOY / "scaleout" / "endpoints.yml")],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    read = json.loads(result.stdout.strip().splitlines()[-1])
    assert read["tracker_store"]["url"] == "db" and read["tracker_store"]["port"] == "5432"
    assert read["tracker_store"]["password"] == "s3cret" and read["tracker_store"]["db"] == "rasa"
    assert read["lock_store"]["url"] == "redis" and read["lock_store"]["password"] == ""
    assert read["action_endpoint"]["url"] == "http://actions:5055/webhook"
    assert read["action_endpoint"]["headers"] == {"Authorization": "Bearer t0k"}
    missing = subprocess.run([python, "-c", code, str(DEPLOY / "scaleout" / "endpoints.yml")],
                             capture_output=True, text=True, env={k: v for k, v in env.items() if k != "DB_HOST"},
                             timeout=120)
    assert missing.returncode != 0 and "DB_HOST" in missing.stderr


def test_compose_file_matches_the_profile():
    compose = yaml.safe_load((DEPLOY / "compose" / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    images = {name: service.get("image", "") for name, service in services.items()}
    assert images["postgres"].startswith("postgres:") and images["redis"].startswith("valkey/valkey:8.")
    assert images["nginx"].startswith("nginx:")
    rasa, actions, web = services["rasa"], services["actions"], services["web"]
    assert "rasa/rasa:3.6.21-full" in (DEPLOY / "docker" / "rasa.Dockerfile").read_text(encoding="utf-8")
    assert "rasa/rasa-sdk" in (DEPLOY / "docker" / "app.Dockerfile").read_text(encoding="utf-8")
    assert rasa["deploy"]["replicas"] >= 2 and actions["deploy"]["replicas"] >= 2 and web["deploy"]["replicas"] >= 2
    # every variable of the endpoints file is given to the Rasa containers
    wanted = _variables((DEPLOY / "scaleout" / "endpoints.yml").read_text(encoding="utf-8"))
    assert wanted <= set(rasa["environment"]), wanted - set(rasa["environment"])
    assert any("endpoints.yml" in str(v) for v in rasa.get("volumes", []) + rasa.get("command", []))


def test_helm_values_for_the_rasa_chart():
    values = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text(encoding="utf-8"))
    assert values["image"]["tag"].startswith("3.6.21")
    assert values["replicaCount"] >= 2
    endpoints = values["applicationSettings"]["endpoints"]
    assert endpoints["trackerStore"]["enabled"] and endpoints["trackerStore"]["dialect"] == "postgresql"
    assert endpoints["lockStore"]["enabled"] and endpoints["lockStore"]["type"] == "redis"
    assert values["rasa-action-server"]["install"] is True
    assert values["rasa-action-server"]["replicaCount"] >= 2


def test_helm_profile_runs_the_retention_job():
    job = yaml.safe_load((DEPLOY / "helm" / "retention-cronjob.yaml").read_text(encoding="utf-8"))
    assert job["kind"] == "CronJob" and job["spec"]["concurrencyPolicy"] == "Forbid"
    container = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert container["command"][:3] == ["python", "-m", "stack.retention"] and "--once" in container["command"]
    values = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text(encoding="utf-8"))
    assert container["image"].startswith(values["image"]["repository"])
    # every variable of the endpoints file is set, so the job reads the same tracker store
    wanted = _variables((DEPLOY / "scaleout" / "endpoints.yml").read_text(encoding="utf-8"))
    assert wanted <= {e["name"] for e in container["env"]}, wanted


# ---------------------------------------------------------------- the running profile

@pytest.fixture(scope="module")
def profile():
    return scaleout.shared()


class Alternating:
    """One conversation whose turns go to web app A, B, A, ... (so Rasa server A, B, ...)."""

    def __init__(self, profile):
        self.urls = profile.web_urls
        self.sender = f"so-{uuid.uuid4().hex[:10]}"
        self.turn = 0
        self.session = requests.Session()

    def say(self, message: str) -> dict:
        url = self.urls[self.turn % len(self.urls)]
        self.turn += 1
        response = self.session.post(f"{url}/api/chat", json={"sender": self.sender, "message": message}, timeout=30)
        assert response.status_code == 200, (url, response.text)
        body = response.json()
        return {"kind": body["meta"]["kind"], "sources": body["meta"]["sources"],
                "text": "\n".join(m["text"] for m in body["messages"]),
                "buttons": [b for m in body["messages"] for b in m.get("buttons", [])]}


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text.lower()).replace(",", ".")


@e2e
def test_profile_has_two_of_each(profile):
    assert len(profile.rasa_urls) == 2 and len(profile.actions_urls) == 2 and len(profile.web_urls) == 2
    for url in profile.web_urls:
        ready = requests.get(f"{url}/readyz", timeout=10)
        assert ready.status_code == 200, ready.text


@e2e
def test_clarification_on_one_server_answered_on_the_other(profile):
    chat = Alternating(profile)
    first = chat.say("Mục tiêu tốc độ băng rộng di động năm 2025 là bao nhiêu?")       # server A
    assert first["kind"] == "clarify" and first["buttons"]
    button = next(b for b in first["buttons"] if b["title"] == "Sóc Trăng")
    second = chat.say(button["payload"])                                                # server B
    assert second["kind"] == "target" and second["sources"][0]["province"] == "Sóc Trăng"
    assert "40mbps" in squash(second["text"])
    typed = Alternating(profile)                                                        # typed, not a button
    assert typed.say("Mục tiêu tỷ lệ hộ gia đình có cáp quang năm 2025?")["kind"] == "clarify"
    answer = typed.say("Hậu Giang")
    assert answer["kind"] == "target" and answer["sources"][0]["province"] == "Hậu Giang"


@e2e
def test_follow_ups_on_the_other_server(profile):
    chat = Alternating(profile)
    first = chat.say("Mục tiêu số thuê bao băng rộng cố định trên 100 dân của Tuyên Quang?")   # A
    assert first["kind"] == "target"
    later = chat.say("còn năm 2030 thì sao?")                                                   # B
    assert later["kind"] == "target" and later["sources"][0]["province"] == "Tuyên Quang"
    assert "40thuêbao/100dân" in squash(later["text"])
    other = chat.say("thế còn Bình Phước?")                                                     # A
    assert other["sources"][0]["province"] == "Bình Phước" and "60thuêbao/100dân" in squash(other["text"])


@e2e
def test_eligibility_form_across_servers(profile):
    chat = Alternating(profile)
    first = chat.say("Tôi có được hỗ trợ điện thoại thông minh không?")      # A: the form starts
    assert first["kind"] == "eligibility" and first["buttons"]
    assert chat.say("hộ cận nghèo")["buttons"]                              # B: asked about a tablet
    assert chat.say("/deny")["buttons"]                                     # A: asked whether they bought a phone
    result = chat.say("/affirm")                                            # B: the result
    assert result["kind"] == "eligibility"
    assert "500.000" in result["text"] and "31/12/2025" in result["text"]


@e2e
def test_tracker_is_in_postgresql_and_locks_in_redis(profile):
    def lock_calls() -> int:
        stats = profile.redis.command("INFO", "commandstats").decode()
        return sum(int(m) for m in re.findall(r"cmdstat_(?:set|del|get):calls=(\d+)", stats))

    calls = lock_calls()
    chat = Alternating(profile)
    chat.say("Mục tiêu tốc độ băng rộng di động năm 2025 là bao nhiêu?")
    chat.say("Sóc Trăng")
    rows = profile.postgres.psql(
        f"SELECT type_name, intent_name, action_name FROM events WHERE sender_id = '{chat.sender}' ORDER BY id")
    users = [r for r in rows if r[0] == "user"]
    assert len(users) == 2, rows                                       # both turns, from both servers
    assert any(r[0] == "bot" for r in rows) and any(r[2] == "action_answer" for r in rows)
    slots = profile.postgres.psql(
        f"SELECT data FROM events WHERE sender_id = '{chat.sender}' AND type_name = 'slot' ORDER BY id")
    assert any(json.loads(d[0]).get("name") == "pending_question" for d in slots)
    # the ticket locks went through Redis (created and released for each turn)
    assert lock_calls() >= calls + 4


def _simultaneous_turns(profile, urls: list[str]) -> list[list[tuple[str, str]]]:
    """Four messages of one new conversation sent at the same instant to `urls` (in
    turn); every one must be answered. The turns as stored in PostgreSQL."""
    sender = f"so-{uuid.uuid4().hex[:10]}"
    messages = ["khi nao tat song 2g", "Sở Xây dựng Hậu Giang phải làm gì?", "hien trang cap quang tuyen quang",
                "xin chào"]
    results = {}
    barrier = threading.Barrier(len(messages))

    def send(i: int) -> None:
        barrier.wait()
        response = requests.post(f"{urls[i % len(urls)]}/api/chat", json={"sender": sender, "message": messages[i]},
                                 timeout=30)
        results[i] = response.status_code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(messages))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == [200] * len(messages), results
    rows = profile.postgres.psql(f"SELECT type_name, action_name FROM events WHERE sender_id = '{sender}' ORDER BY id")
    turns, current = [], None
    for type_name, action_name in rows:
        if type_name == "user":
            current = []
            turns.append(current)
        elif current is not None:
            current.append((type_name, action_name))
    return turns


def _assert_complete(turns: list) -> None:
    assert len(turns) == 4, turns
    for turn in turns:      # each turn: its action, its bot message, then back to listening
        assert ("action", "action_answer") in turn and ("bot", "") in turn, turn
        assert turn[-1] == ("action", "action_listen"), turn


@e2e
def test_simultaneous_turns_on_one_server_are_serialised(profile):
    """A double click, a retry: one Rasa server takes the turns one at a time (the ticket
    lock), so PostgreSQL holds every turn, each complete."""
    _assert_complete(_simultaneous_turns(profile, profile.web_urls[:1]))


@e2e
@pytest.mark.xfail(strict=False, reason=(
    "Rasa 3.6's RedisLockStore issues tickets with a GET then a SET (rasa/core/lock_store.py "
    "issue_ticket, no transaction): two servers receiving the same conversation at the same "
    "instant can both get ticket 0 and run concurrently, and one turn's events are lost. "
    "Sequential turns across servers (the tests above) are safe. Remedy: route each "
    "conversation to one Rasa server (consistent hash on the sender at the load balancer; "
    "see deploy/README.md) or Rasa Pro's ConcurrentRedisLockStore"))
def test_simultaneous_turns_on_two_servers_are_serialised(profile):
    _assert_complete(_simultaneous_turns(profile, profile.web_urls))
