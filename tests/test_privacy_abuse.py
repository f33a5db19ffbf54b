"""Issue 13: no personal data kept anywhere, and slow or hostile clients cannot starve
the service.

Against the real stack (`stack` fixture: Rasa, action server, web app under waitress,
retention job): personal data sent through /api/chat is found in no store (Rasa's
tracker store, the web app's database, the logs under var/log), files are 0600; 50
connections that never send their body do not slow /api/chat down; a typed intent
payload is text unless the assistant offered it as a button. Without the stack: the
admin token's rate limit, the retention job on real SQLite files, and the masking of
what is sent to Rasa (a recording HTTP server stands in for Rasa's transport only).
"""
import json
import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import requests
import yaml

from stack import retention, scaleout   # throwaway PostgreSQL and Redis; the retention job
from bot.app import create_app
from bot.text import scrub
from core import settings

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / "var" / "log"

# One message per kind of personal data, with the digits (or address) that must not be
# kept anywhere. Unique per run so that an earlier run's leftovers cannot pass or fail it.
_RUN = f"{uuid.uuid4().int % 10**8:08d}"
_A, _B = _RUN[:4], _RUN[4:]
# (message, what must be found nowhere): every secret is at least 9 characters, so that
# no timestamp or id in a store can contain it by chance.
PERSONAL = [
    (f"số điện thoại của tôi là 09{_RUN}, CCCD 0012{_RUN}", [f"09{_RUN}", f"0012{_RUN}"]),
    (f"gọi cho tôi: 09{_A[:2]} {_A[2:]}{_B[0]} {_B[1:]} hoặc +84 98 {_A[1:]} {_B[1:]}",
     [f"09{_A[:2]} {_A[2:]}{_B[0]} {_B[1:]}", f"09{_RUN}", f"98 {_A[1:]} {_B[1:]}", f"98{_A[1:]}{_B[1:]}"]),
    (f"sđt 0912.{_A[1:]}.{_B[1:]} nhé", [f"0912.{_A[1:]}.{_B[1:]}", f"0912{_A[1:]}{_B[1:]}"]),
    (f"CMND 1{_A[:2]} {_A[2:]}{_B[0]} {_B[1:]} của tôi", [f"1{_A[:2]} {_A[2:]}{_B[0]} {_B[1:]}", f"1{_RUN}"]),
    (f"số tài khoản 1903 {_A} {_B} 345 Techcombank", [f"1903 {_A} {_B}", f"{_A} {_B} 345", f"1903{_RUN}"]),
    (f"thẻ 4111-{_A}-{_B}-1111 có được hỗ trợ không", [f"4111-{_A}-{_B}", f"{_A}-{_B}-1111", f"4111{_RUN}"]),
    (f"email của tôi là lan.{_RUN}@example.com", [f"lan.{_RUN}@example.com", f"lan.{_RUN}"]),
    (f"liên hệ lan{_RUN} [at] gmail [dot] com", [f"lan{_RUN}"]),
]


def _post(stack, message: str, sender: str | None = None) -> requests.Response:
    return requests.post(f"{stack.web_url}/api/chat", timeout=30,
                         json={"sender": sender or f"priv-{uuid.uuid4().hex[:12]}", "message": message})


def _tracker_db(stack) -> Path:
    endpoints = stack.service("rasa").command[stack.service("rasa").command.index("--endpoints") + 1]
    store = retention.tracker_store(settings.project_path(endpoints))
    return retention.sqlite_path(store)


def _web_db(stack) -> Path:
    return settings.project_path(stack.env.get("HTS_WEB_DATABASE") or settings.get("web", "database"))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ---------------------------------------------------------------- masking

@pytest.mark.parametrize("text, expected", [
    ("CMND 123 456 789", "CMND [dãy số]"),
    ("CCCD 0012 0300 4567 và CCCD 001.203.004.567", "CCCD [dãy số] và CCCD [dãy số]"),
    ("stk 1903 5678 9012 345 Techcombank", "stk [dãy số] Techcombank"),
    ("thẻ 4111-1111-1111-1111", "thẻ [dãy số]"),
    ("sdt0912345678, CCCD012345678901abc", "sdt[số điện thoại], CCCD[dãy số]abc"),
    ("(+84) 912 345 678 hoặc +84912345678", "[số điện thoại] hoặc [số điện thoại]"),
    ("lan@localhost, lan [at] gmail [dot] com, nguyen.van.a(at)gmail.com",
     "[email], [email], [email]"),
    ("tôi ở Tiền Giang, sđt 0912 345 678, mục tiêu cáp quang?",
     "tôi ở Tiền Giang, sđt [số điện thoại], mục tiêu cáp quang?"),
    # Kept: years, speeds, shares, money, document numbers.
    ("năm 2025 và 2030 đạt 100 Mbps, 2025 2030 100 54,83%", "năm 2025 và 2030 đạt 100 Mbps, 2025 2030 100 54,83%"),
    ("giai đoạn 2021-2025 2026-2030", "giai đoạn 2021-2025 2026-2030"),
    ("kinh phí 1.500.000.000 đồng theo 540/KH-UBND", "kinh phí 1.500.000.000 đồng theo 540/KH-UBND"),
])
def test_scrub_masks_grouped_numbers_and_email_like_strings_and_keeps_figures(text, expected):
    assert scrub(text) == expected
    assert scrub(expected) == expected      # idempotent: the store scrubs again


def test_message_is_masked_before_it_reaches_rasa(tmp_path):
    from tests.test_web_api import CANNED, http_server   # Rasa's transport only
    with http_server(body=CANNED) as rasa:
        app = create_app({"rasa.url": rasa.url, "rasa.token": "", "web.database": str(tmp_path / "a.sqlite3"),
                          "web.rate_limit_per_minute": 0})
        response = app.test_client().post("/api/chat", json={
            "sender": "priv-unit", "message": "CMND 123 456 789, thẻ 4111 1111 1111 1111, a@b.vn: Tiền Giang?"})
        assert response.status_code == 200
        sent = rasa.requests[-1]["json"]["message"]
    assert sent == "CMND [dãy số], thẻ [dãy số], [email]: Tiền Giang?"
    assert _mode(tmp_path / "a.sqlite3") == 0o600


@pytest.mark.e2e
def test_personal_data_is_kept_in_no_store_and_files_are_private(stack):
    for message, _ in PERSONAL:
        response = _post(stack, message)
        assert response.status_code == 200, response.text
        feedback = requests.post(f"{stack.web_url}/api/feedback", timeout=10, json={
            "message_id": response.json()["meta"]["message_id"], "helpful": False, "comment": message})
        assert feedback.status_code == 200, feedback.text
    time.sleep(0.5)   # Rasa writes the tracker after answering
    tracker, web_db = _tracker_db(stack), _web_db(stack)
    stores = {"tracker": tracker, "web database": web_db, **{f"log {p.name}": p for p in LOG_DIR.glob("*.log")}}
    for name, path in stores.items():
        content = path.read_bytes().decode("utf-8", errors="replace")
        if path.suffix in (".db", ".sqlite3"):
            with sqlite3.connect(path) as db:        # the rows, not only the file's pages
                tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
                content += " ".join(str(row) for t in tables for row in db.execute(f'SELECT * FROM "{t}"'))
        for _, secrets in PERSONAL:
            for secret in secrets:
                assert secret not in content, f"{secret!r} kept in {name} ({path})"
    # The masked text is there instead: the conversation itself is kept (30 days).
    with sqlite3.connect(tracker) as db:
        texts = [json.loads(d).get("text") or "" for (d,) in db.execute(
            "SELECT data FROM events WHERE type_name = 'user' ORDER BY id DESC LIMIT 200")]
    assert any("[số điện thoại]" in t for t in texts) and any("[dãy số]" in t for t in texts)
    own_logs = [LOG_DIR / f"{service.name}.log" for service in stack.services]
    for path in (tracker, web_db, *[p for p in own_logs if p.exists()]):
        assert _mode(path) == 0o600, (path, oct(_mode(path)))


@pytest.mark.e2e
def test_masked_question_still_gets_its_answer(stack):
    answer = _post(stack, "tôi ở Tiền Giang, sđt 0912 345 678, mục tiêu cáp quang?").json()
    assert answer["meta"]["kind"] == "target", answer
    assert answer["meta"]["sources"][0]["province"] == "Tiền Giang", answer
    assert "0912" not in json.dumps(answer, ensure_ascii=False)


# ---------------------------------------------------------------- slow clients

SLOW_CONNECTIONS = 50


def _slow_sockets(stack, count: int) -> list[socket.socket]:
    """Sockets that sent a POST's headers promising 100 bytes of body, and nothing more."""
    host, port = stack.web_url.split("//")[1].split(":")
    sockets = []
    for _ in range(count):
        sock = socket.create_connection((host, int(port)), timeout=5)
        sock.sendall(b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n")
        sockets.append(sock)
    return sockets


@pytest.mark.e2e
def test_fifty_slow_connections_do_not_starve_other_users(stack):
    question = "Mục tiêu tốc độ băng rộng cố định của Tuyên Quang năm 2025?"
    assert _post(stack, question).status_code == 200            # warm
    started = time.monotonic()
    _post(stack, question)
    usual = time.monotonic() - started
    held = _slow_sockets(stack, SLOW_CONNECTIONS)
    try:
        time.sleep(0.5)
        timings = []
        for _ in range(5):
            started = time.monotonic()
            health = requests.get(f"{stack.web_url}/healthz", timeout=5)
            response = _post(stack, question)
            timings.append(time.monotonic() - started)
            assert health.status_code == 200 and response.status_code == 200, response.text
            assert response.json()["meta"]["sources"][0]["province"] == "Tuyên Quang"
        # The threads were not taken: the answer comes as fast as without the sockets
        # (with a margin for a busy 2-core machine), not after a 10 s+ timeout.
        assert max(timings) < max(2.0, 5 * usual), (usual, timings)
    finally:
        for sock in held:
            sock.close()


# ---------------------------------------------------------------- typed payloads

def _user_events(stack, sender: str) -> list[dict]:
    tracker = requests.get(f"{stack.rasa_url}/conversations/{sender}/tracker", timeout=10,
                           params={"token": stack.token}).json()
    return [e for e in tracker["events"] if e["event"] == "user"]


@pytest.mark.e2e
def test_typed_restart_and_intent_payloads_are_text_but_offered_buttons_work(stack):
    sender = f"pay-{uuid.uuid4().hex[:12]}"
    restart = _post(stack, "/restart", sender)
    assert restart.status_code == 200, restart.text             # was a 503 and an ERROR
    forged = _post(stack, '/inform_province{"province": "Hậu Giang"}', sender)
    assert forged.status_code == 200, forged.text
    events = _user_events(stack, sender)
    assert [e["text"] for e in events] == ["restart", 'inform_province{"province": "Hậu Giang"}']
    assert all(not e["text"].startswith("/") for e in events)
    tracker = requests.get(f"{stack.rasa_url}/conversations/{sender}/tracker", timeout=10,
                           params={"token": stack.token}).json()
    assert not any(e["event"] == "restart" for e in tracker["events"])

    # A question without a province gets province buttons; clicking one is an intent. A new
    # conversation: the text above names Hậu Giang, which a follow-up question would keep.
    sender = f"pay-{uuid.uuid4().hex[:12]}"
    offered = _post(stack, "Mục tiêu tốc độ băng rộng di động năm 2025?", sender).json()
    buttons = [b for m in offered["messages"] for b in m.get("buttons", [])]
    intent_buttons = [b for b in buttons if b["payload"].startswith("/")]
    assert intent_buttons, offered
    clicked = _post(stack, intent_buttons[0]["payload"], sender)
    assert clicked.status_code == 200, clicked.text
    assert _user_events(stack, sender)[-1]["text"] == intent_buttons[0]["payload"]
    assert clicked.json()["meta"]["kind"] == "target", clicked.json()
    # The same payload again is no longer offered: text.
    _post(stack, intent_buttons[0]["payload"], sender)
    assert not _user_events(stack, sender)[-1]["text"].startswith("/")


def test_a_lone_slash_is_an_empty_message(tmp_path):
    client = create_app({"rasa.url": "http://127.0.0.1:9", "web.database": str(tmp_path / "a.sqlite3")}).test_client()
    response = client.post("/api/chat", json={"sender": "s", "message": " / / "})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "empty_message"


# ---------------------------------------------------------------- admin token

def test_wrong_admin_tokens_are_rate_limited_per_client(tmp_path):
    app = create_app({"web.admin_token": "s3cret-token", "web.admin_failures_per_minute": 5,
                      "web.database": str(tmp_path / "a.sqlite3"), "web.trusted_proxy": False})
    client = app.test_client()
    good = {"Authorization": "Bearer s3cret-token"}
    assert client.get("/admin/insights", headers=good).status_code == 200      # not counted
    statuses = [client.get("/admin/insights", headers={"Authorization": f"Bearer guess-{i}"}).status_code
                for i in range(50)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}, statuses
    limited = client.get("/admin/insights", headers={"Authorization": "Bearer guess"})
    error = limited.get_json()["error"]
    assert error["code"] == "rate_limited" and "quá nhiều yêu cầu" in error["message"]
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # The right token is never locked out (anyone behind the operator's NAT could do it).
    assert client.get("/admin/insights", headers=good).status_code == 200
    other = {"REMOTE_ADDR": "10.1.2.3"}
    assert client.get("/admin/insights", headers=good, environ_base=other).status_code == 200


def test_rasa_and_the_action_server_answer_only_the_web_app(stack):
    """No open REST channel; the web app's channel and the action server refuse a caller
    without Rasa's token; the token is on no process's command line."""
    body = {"sender": f"probe-{uuid.uuid4().hex[:8]}", "message": "tôi tên là Lan, sđt 0912 345 678"}
    assert requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json=body, timeout=10).status_code == 404
    channel = f"{stack.rasa_url}/webhooks/webapp/webhook"
    assert requests.post(channel, json=body, timeout=10).status_code == 401
    assert requests.post(channel, json=body, headers={"Authorization": "Bearer guess"}, timeout=10).status_code == 401
    assert requests.get(f"{stack.rasa_url}/webhooks/webapp/tracker/{body['sender']}", timeout=10).status_code == 401
    action_call = {"next_action": "action_answer", "sender_id": body["sender"],
                   "tracker": {"sender_id": body["sender"], "slots": {}, "latest_message": {"text": "x"}, "events": []},
                   "domain": {}}
    assert requests.post(f"{stack.actions_url}/webhook", json=action_call, timeout=10).status_code == 401
    assert requests.get(f"{stack.actions_url}/health", timeout=10).status_code == 200
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            assert stack.token.encode() not in cmdline.read_bytes(), cmdline
        except OSError:
            continue


# ---------------------------------------------------------------- retention

def _rasa_events_table(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
               "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
               "action_name VARCHAR(255), data TEXT)")


def test_retention_deletes_old_conversations_and_answers_and_makes_files_private(tmp_path, monkeypatch):
    now = time.time()
    day = 86400
    tracker = tmp_path / "var" / "rasa_tracker.db"
    tracker.parent.mkdir()
    with sqlite3.connect(tracker) as db:
        _rasa_events_table(db)
        for sender, age in (("old", 40 * day), ("old", 31 * day), ("recent", 29 * day), ("recent", 60)):
            db.execute("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', ?, '{}')",
                       (sender, now - age))
    os.chmod(tracker, 0o644)
    # a tracker file a test or benchmark stack left beside it (stack.scaleout.OwnStack)
    left_by_a_test = tracker.with_name("rasa_tracker-51234.db")
    with sqlite3.connect(left_by_a_test) as db:
        _rasa_events_table(db)
        db.execute("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES ('t', 'user', ?, '{}')",
                   (now - 45 * day,))
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(yaml.safe_dump({"tracker_store": {"type": "SQL", "dialect": "sqlite", "db": str(tracker)}}))

    from bot.store import Store
    store = Store(tmp_path / "web.sqlite3")
    assert store.record_answer("old-answer", "fallback", "câu hỏi cũ")
    assert store.record_answer("new-answer", "target", "câu hỏi mới")
    store.save_feedback("old-answer", False, "góp ý cũ")
    store.save_feedback("new-answer", True, None)
    # The retention job runs 40 days later for the first two rows... simulated by "now".
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE answers SET created_at = '2020-01-01T00:00:00+00:00' WHERE message_id = 'old-answer'")
        db.execute("UPDATE feedback SET created_at = '2020-01-01T00:00:00+00:00' WHERE message_id = 'old-answer'")

    assert retention.run_once(endpoints, store.path, days=30, now=now)
    with sqlite3.connect(tracker) as db:
        left = sorted(row[0] for row in db.execute("SELECT sender_id FROM events"))
    assert left == ["recent", "recent"]
    with sqlite3.connect(left_by_a_test) as db:
        assert db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0
    assert _mode(left_by_a_test) == 0o600
    with sqlite3.connect(store.path) as db:
        assert [r[0] for r in db.execute("SELECT message_id FROM answers")] == ["new-answer"]
        assert [r[0] for r in db.execute("SELECT message_id FROM feedback")] == ["new-answer"]
    assert _mode(tracker) == 0o600 and _mode(store.path) == 0o600
    # Nothing to purge, a missing file or table: no error.
    assert retention.run_once(endpoints, tmp_path / "missing.sqlite3", days=30, now=now)


def test_retention_setting_and_endpoints_with_environment_variables(tmp_path, monkeypatch):
    assert float(settings.get("privacy", "retention_days")) == 30
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: ${DB_HOST}\n  db: ${DB_DATABASE}\n")
    monkeypatch.setenv("DB_HOST", "127.0.0.1")
    monkeypatch.setenv("DB_DATABASE", "rasa")
    store = retention.tracker_store(endpoints)
    assert store["url"] == "127.0.0.1" and store["db"] == "rasa" and retention.sqlite_path(store) is None
    # A tracker store that cannot be reached is logged and reported (False), not raised.
    monkeypatch.setenv("DB_HOST", "127.0.0.1")
    endpoints.write_text("tracker_store:\n  type: SQL\n  dialect: no-such-dialect\n  url: ${DB_HOST}\n")
    assert retention.run_once(endpoints, None, days=30) is False


@pytest.mark.e2e
def test_stack_runs_the_retention_job(stack):
    job = stack.service("retention")
    if job.process is None:
        pytest.skip("the stack was already running (make run): its job is not ours to inspect")
    assert job.process.poll() is None
    log = (LOG_DIR / "retention.log").read_text(encoding="utf-8")
    assert "retention 30 days: deleted" in log


@pytest.fixture
def workdir():
    """A temporary directory PostgreSQL's own user can enter (pytest's tmp_path sits in
    a root-only folder)."""
    path = Path(tempfile.mkdtemp(prefix="hts-privacy-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_rate_limit_holds_across_instances_with_redis_storage(workdir, closed_url):
    scaleout.ensure_services()
    redis = scaleout.Redis(workdir)
    redis.start()
    try:
        uri = f"redis://127.0.0.1:{redis.port}/2"
        apps = [create_app({"rasa.url": closed_url, "rasa.token": "", "web.database": str(workdir / f"{i}.sqlite3"),
                            "web.rate_limit_per_minute": 3, "web.ratelimit_storage_uri": uri}).test_client()
                for i in range(2)]
        body = {"sender": "limit-test", "message": "Xin chào"}
        statuses = [apps[i % 2].post("/api/chat", json=body).status_code for i in range(4)]
        assert statuses == [503, 503, 503, 429], statuses      # 503: no Rasa behind them
        other = {"REMOTE_ADDR": "10.0.0.9"}
        signed = apps[1].post("/api/session", json={}, environ_base=other).get_json()["sender"]
        assert apps[1].post("/api/chat", json={**body, "sender": signed}, environ_base=other).status_code == 503
    finally:
        redis.stop()
    # Redis down: requests are let through (logged), never a 500.
    assert apps[0].post("/api/chat", json=body).status_code == 503


def test_retention_purges_a_postgresql_tracker_store(workdir):
    scaleout.ensure_services()
    postgres = scaleout.Postgres(workdir)
    postgres.init()
    postgres.start()
    try:
        postgres.create_database()
        now = time.time()
        postgres.psql("CREATE TABLE events (id SERIAL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                      "type_name VARCHAR(255) NOT NULL, timestamp DOUBLE PRECISION, intent_name VARCHAR(255), "
                      "action_name VARCHAR(255), data TEXT)")
        for sender, age in (("old", 31 * 86400), ("recent", 3600)):
            postgres.psql(f"INSERT INTO events (sender_id, type_name, timestamp, data) "
                          f"VALUES ('{sender}', 'user', {now - age}, '{{}}')")
        env = {**os.environ, "PYTHONPATH": str(ROOT), "ACTION_SERVER_URL": "http://127.0.0.1:1/webhook",
               "DB_HOST": "127.0.0.1", "DB_PORT": str(postgres.port), "DB_USER": "postgres", "DB_PASSWORD": "",
               "DB_DATABASE": scaleout.DATABASE, "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "1", "REDIS_PASSWORD": ""}
        result = subprocess.run([str(ROOT / ".venv-rasa/bin/python"), "-m", "stack.retention", "--once",
                                 "--endpoints", str(scaleout.ENDPOINTS), "--days", "30"],
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "deleted 1 tracker events" in result.stderr
        assert postgres.psql("SELECT sender_id FROM events") == [["recent"]]
    finally:
        postgres.stop("immediate")
