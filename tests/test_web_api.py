"""The chat API, feedback, insights, health checks and plan pages (bot/).

Failure paths run against real sockets on this machine: a closed port (Rasa down), a
server that accepts and never answers (Rasa slow), tiny HTTP servers answering `[]`,
a 500 or garbage. They exercise the web app's transport handling only; what Rasa
answers to real questions is checked by the e2e tests against the real `stack`.
"""
import json
import sqlite3
import sys
import threading
import time
import types
import unicodedata
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from bot import plans_view
from bot.app import MAX_BODY_BYTES, create_app
from bot.chat import merge_events
from bot.config import DEFAULT_MAX_MESSAGE_CHARS, load_config
from bot.text import clean_message, question_key, scrub
from index.plans.catalog import PlanInfo
from index.plans.sections import load_plans, parse_plan

PORTAL = "https://portal.example.gov.vn"
SENDER = "test-0123456789ab"


# ---------------------------------------------------------------- local servers

@contextmanager
def http_server(status: int = 200, body: bytes = b"[]", content_type: str = "application/json"):
    """A tiny HTTP server answering every request with the same response; it records
    what it was sent (method, path, JSON body) in `.requests`."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            received.append({"method": self.command, "path": self.path,
                             "json": json.loads(raw) if raw else None})
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    server.requests = received
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------- the app

@pytest.fixture
def make_app(tmp_path, closed_url):
    """An app with every setting the tests depend on pinned (env vars cannot leak in)."""
    def make(overrides: dict | None = None):
        settings = {
            "rasa.url": closed_url,
            "rasa.timeout_seconds": 3,
            "rasa.token": "",
            "actions.url": closed_url,
            "web.database": str(tmp_path / "var" / "assistant.sqlite3"),
            "web.cors_origins": [PORTAL],
            "web.rate_limit_per_minute": 10_000,
            "web.trusted_proxy": False,
            "web.admin_token": "",
            "web.max_message_chars": DEFAULT_MAX_MESSAGE_CHARS,
            "web.public_url": "",
            "web.ratelimit_storage_uri": "memory://",
            "web.admin_failures_per_minute": 5,
        }
        settings.update(overrides or {})
        return create_app(settings)
    return make


@pytest.fixture
def client(make_app):
    return make_app().test_client()


def chat(client, message="Xin chào", sender=SENDER, **kwargs):
    return client.post("/api/chat", json={"sender": sender, "message": message}, **kwargs)


def error_of(response) -> dict:
    assert response.is_json, response.data[:200]
    error = response.get_json()["error"]
    assert error["code"] and error["message"]
    return error


# ---------------------------------------------------------------- liveness, 404, 405

def test_healthz_answers_ok_without_any_backend(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_unknown_api_path_is_a_json_404_and_wrong_method_a_json_405(client):
    response = client.get("/api/unknown")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    response = client.get("/api/chat")
    assert response.status_code == 405 and error_of(response)["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


# ---------------------------------------------------------------- validation

@pytest.mark.parametrize("kwargs", [
    {},                                                              # no body
    {"data": "không phải JSON", "content_type": "application/json"},
    {"data": "{\"sender\": ", "content_type": "application/json"},   # truncated JSON
    {"json": ["sender", "message"]},                                 # JSON, not an object
    {"json": "Xin chào"},
])
def test_missing_or_non_json_body_is_400(client, kwargs):
    response = client.post("/api/chat", **kwargs)
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_json"


@pytest.mark.parametrize("message", ["", "   ", "\n\t  \r\n", "\x00\x07\x1b", "\u200b\u202e"])
def test_empty_or_whitespace_only_message_is_400(client, message):
    response = chat(client, message)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "empty_message"
    assert error["message"] == "Vui lòng nhập câu hỏi."


def test_missing_or_non_string_message_is_400(client):
    assert error_of(client.post("/api/chat", json={"sender": SENDER}))["code"] == "empty_message"
    for message in (42, ["câu hỏi"], {"text": "câu hỏi"}, True):
        response = chat(client, message)
        assert response.status_code == 400 and error_of(response)["code"] == "invalid_message"


def test_message_over_the_limit_is_413_and_the_limit_itself_passes(client):
    response = chat(client, "a" * (DEFAULT_MAX_MESSAGE_CHARS + 1))
    assert response.status_code == 413
    error = error_of(response)
    assert error["code"] == "message_too_long"
    assert str(DEFAULT_MAX_MESSAGE_CHARS) in error["message"]
    # Exactly at the limit the message is valid and goes on to Rasa (down here: 503).
    assert chat(client, "a" * DEFAULT_MAX_MESSAGE_CHARS).status_code == 503
    # The limit counts characters after cleaning: control characters do not count.
    assert chat(client, "a" * DEFAULT_MAX_MESSAGE_CHARS + "\x00" * 50).status_code == 503


def test_limit_is_a_setting_and_huge_bodies_are_refused_before_parsing(make_app):
    client = make_app({"web.max_message_chars": 10}).test_client()
    assert chat(client, "a" * 11).status_code == 413
    response = client.post("/api/chat", data=b"{" + b" " * (MAX_BODY_BYTES + 10) + b"}",
                           content_type="application/json")
    assert response.status_code == 413
    assert error_of(response)["code"] == "body_too_large"


@pytest.mark.parametrize("sender", [None, "", "a b", "<script>", "x" * 65, 12345, "người-dùng", "a/b", "a\nb"])
def test_sender_not_matching_the_pattern_is_400(client, sender):
    response = client.post("/api/chat", json={"sender": sender, "message": "Xin chào"})
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_sender"


@pytest.mark.parametrize("sender", ["score-0123456789ab", "web-00ff00ff00ff00ff", "a", "x" * 64, "u_1.2:3-4"])
def test_valid_sender_ids_pass_validation(client, sender):
    assert chat(client, sender=sender).status_code == 503   # valid; Rasa is down


def test_control_characters_are_stripped_and_text_is_nfc_before_forwarding(make_app):
    decomposed = unicodedata.normalize("NFD", "Tuyên Quang")
    raw = f"  \x00Mục tiêu\tcủa\n{decomposed}\x07?\u202e\r\n "
    with http_server(body=b"[]") as rasa:
        client = make_app({"rasa.url": rasa.url}).test_client()
        chat(client, raw)
        forwarded = rasa.requests[0]
    assert forwarded["path"] == "/webhooks/webapp/webhook"      # dialogue/channel.py
    assert forwarded["json"] == {"sender": SENDER, "message": "Mục tiêu của Tuyên Quang?"}
    assert unicodedata.is_normalized("NFC", forwarded["json"]["message"])


def test_clean_message_keeps_vietnamese_and_turns_line_breaks_into_spaces():
    assert clean_message("Khi nào\ntắt sóng\t2G?") == "Khi nào tắt sóng 2G?"
    assert clean_message("a\u00adb\ufeffc") == "abc"          # soft hyphen, BOM: format chars
    assert clean_message("\ud800x") == "x"                    # lone surrogate
    assert clean_message("Đắk Lắk 📱") == "Đắk Lắk 📱"


# ---------------------------------------------------------------- Rasa failures

def test_rasa_down_is_503_with_a_vietnamese_message(client):
    response = chat(client)
    assert response.status_code == 503
    error = error_of(response)
    assert error["code"] == "rasa_unavailable"
    assert "tạm ngừng" in error["message"]


def test_rasa_that_never_answers_is_504_within_the_timeout(make_app, silent_url):
    client = make_app({"rasa.url": silent_url, "rasa.timeout_seconds": 1}).test_client()
    started = time.monotonic()
    response = chat(client)
    elapsed = time.monotonic() - started
    assert response.status_code == 504
    assert error_of(response)["code"] == "rasa_timeout"
    assert "quá lâu" in error_of(response)["message"]
    assert elapsed < 3, f"answered after {elapsed:.1f} s, the bound is 1 s"


def test_empty_reply_means_the_action_server_is_down_and_is_503(make_app):
    with http_server(body=b"[]") as rasa:
        response = chat(make_app({"rasa.url": rasa.url}).test_client())
    assert response.status_code == 503
    error = error_of(response)
    assert error["code"] == "assistant_unavailable"
    assert "tạm thời chưa trả lời được" in error["message"]


@pytest.mark.parametrize("status, body, expected", [
    (500, b'{"error": "boom"}', 502),
    (502, b"<html>Bad Gateway</html>", 502),
    (503, b"", 503),
    (404, b"Not Found", 502),                               # REST channel not enabled
    (200, b"<html>not json</html>", 502),
    (200, b'{"text": "an object, not a list"}', 502),
    (200, b'["just", "strings"]', 503),                     # a list with nothing to show
    (200, b'[{"recipient_id": "x", "custom": {"kind": "answer"}}]', 503),
])
def test_rasa_errors_and_garbage_map_to_502_or_503(make_app, status, body, expected):
    with http_server(status=status, body=body) as rasa:
        response = chat(make_app({"rasa.url": rasa.url}).test_client())
    assert response.status_code == expected
    assert error_of(response)["code"] in {"rasa_bad_response", "rasa_unavailable", "assistant_unavailable"}


def test_errors_never_echo_what_the_user_typed(client):
    attack = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    for response in (chat(client, attack), chat(client, attack * 200), chat(client, attack, sender=attack)):
        assert response.mimetype == "application/json"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert b"<script" not in response.data and b"<img" not in response.data


# ---------------------------------------------------------------- merging Rasa's messages

def test_merge_puts_texts_and_buttons_in_messages_and_custom_payloads_in_meta():
    source = {"province": "Tuyên Quang", "document": "Kế hoạch", "section": "2.1", "plan": "tuyen-quang",
              "anchor": "s-phai-iii-2-1"}
    events = [
        {"recipient_id": "s", "text": "Bạn hỏi tỉnh nào?",
         "buttons": [{"title": "Tuyên Quang", "payload": "/inform"}, {"title": "", "payload": "x"}, "junk"]},
        {"recipient_id": "s", "custom": {"kind": "compare", "sources": [source, "junk"],
                                         "table": {"columns": ["Tỉnh"], "rows": [["Tuyên Quang"]]}}},
        {"recipient_id": "s", "custom": {"kind": "later", "sources": [], "extra": 1}},
        {"recipient_id": "s", "text": "Dòng thứ hai"},
        "not an object",
    ]
    answer = merge_events(events)
    assert answer["messages"] == [
        {"text": "Bạn hỏi tỉnh nào?", "buttons": [{"title": "Tuyên Quang", "payload": "/inform"}]},
        {"text": "Dòng thứ hai"},
    ]
    assert answer["meta"] == {"kind": "compare", "sources": [source], "extra": 1,
                              "table": {"columns": ["Tỉnh"], "rows": [["Tuyên Quang"]]}}


def test_merge_without_custom_payload_still_has_kind_and_sources():
    assert merge_events([{"text": "Chào bạn"}])["meta"] == {"kind": None, "sources": []}


# ---------------------------------------------------------------- CORS

def test_cors_allowed_origin_gets_the_headers(client):
    response = chat(client, headers={"Origin": PORTAL})
    assert response.status_code == 503                       # reached the handler
    assert response.headers["Access-Control-Allow-Origin"] == PORTAL
    assert "Origin" in response.headers["Vary"]


def test_cors_other_origin_is_refused_without_headers(client):
    response = chat(client, headers={"Origin": "https://evil.example.com"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden_origin"
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_preflight(client):
    allowed = client.options("/api/chat", headers={
        "Origin": PORTAL, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == PORTAL
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    # flask-cors echoes the requested header names as the browser sent them
    assert "content-type" in allowed.headers["Access-Control-Allow-Headers"].lower()
    denied = client.options("/api/chat", headers={
        "Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"})
    assert denied.status_code == 403
    assert "Access-Control-Allow-Origin" not in denied.headers


def test_same_origin_and_no_origin_requests_are_not_cors(client):
    assert chat(client, headers={"Origin": "http://localhost"}).status_code == 503
    response = chat(client)
    assert response.status_code == 503
    assert "Access-Control-Allow-Origin" not in response.headers


def test_same_origin_behind_a_trusted_proxy_that_rewrites_host(make_app):
    headers = {"Origin": "https://tro-ly.example.gov.vn", "X-Forwarded-Host": "tro-ly.example.gov.vn"}
    assert chat(make_app().test_client(), headers=headers).status_code == 403
    behind_proxy = make_app({"web.trusted_proxy": True}).test_client()
    assert chat(behind_proxy, headers=headers).status_code == 503
    # The demo page's widget URL comes from web.public_url, never from (forwarded) Host.
    page = behind_proxy.get("/", headers={"X-Forwarded-Host": "tro-ly.example.gov.vn", "X-Forwarded-Proto": "https"})
    assert 'src="/widget.js"' in page.get_data(as_text=True)
    assert "tro-ly.example.gov.vn" not in page.get_data(as_text=True)
    configured = make_app({"web.trusted_proxy": True, "web.public_url": "https://tro-ly.example.gov.vn/"}).test_client()
    page = configured.get("/", headers={"X-Forwarded-Host": "evil.example.com"})
    assert 'src="https://tro-ly.example.gov.vn/widget.js"' in page.get_data(as_text=True)
    assert "evil.example.com" not in page.get_data(as_text=True)


def test_no_wildcard_by_default_and_origins_from_a_comma_separated_env_var(monkeypatch):
    monkeypatch.delenv("HTS_WEB_CORS_ORIGINS", raising=False)
    assert "*" not in load_config().cors_origins
    monkeypatch.setenv("HTS_WEB_CORS_ORIGINS", "https://a.gov.vn, https://b.gov.vn/")
    assert load_config().cors_origins == ("https://a.gov.vn", "https://b.gov.vn")


# ---------------------------------------------------------------- rate limit

def test_rate_limit_answers_429_with_retry_after(make_app):
    client = make_app({"web.rate_limit_per_minute": 3}).test_client()
    assert [chat(client).status_code for _ in range(3)] == [503, 503, 503]
    limited = chat(client)
    assert limited.status_code == 429
    error = error_of(limited)
    assert error["code"] == "rate_limited"
    assert "quá nhiều yêu cầu" in error["message"]
    retry_after = int(limited.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert f"{retry_after} giây" in error["message"]
    # Another client is not affected; liveness is never limited.
    other = {"REMOTE_ADDR": "10.9.8.7"}
    sender = client.post("/api/session", json={}, environ_base=other).get_json()["sender"]
    assert chat(client, sender=sender, environ_base=other).status_code == 503
    assert client.get("/healthz").status_code == 200


def test_x_forwarded_for_counts_only_behind_a_trusted_proxy(make_app):
    untrusted = make_app({"web.rate_limit_per_minute": 1}).test_client()
    assert chat(untrusted, headers={"X-Forwarded-For": "1.1.1.1"}).status_code == 503
    # A forged header does not buy a new budget.
    assert chat(untrusted, headers={"X-Forwarded-For": "2.2.2.2"}).status_code == 429
    trusted_app = make_app({"web.rate_limit_per_minute": 1, "web.trusted_proxy": True})
    trusted, sender = trusted_app.test_client(), trusted_app.extensions["hts.sessions"].issue()
    assert chat(trusted, sender=sender, headers={"X-Forwarded-For": "9.9.9.9, 1.1.1.1"}).status_code == 503
    assert chat(trusted, sender=sender, headers={"X-Forwarded-For": "9.9.9.9, 2.2.2.2"}).status_code == 503
    assert chat(trusted, sender=sender, headers={"X-Forwarded-For": "8.8.8.8, 2.2.2.2"}).status_code == 429


def test_rate_limit_can_be_raised_through_the_environment(monkeypatch):
    monkeypatch.setenv("HTS_WEB_RATE_LIMIT_PER_MINUTE", "100000")
    assert load_config().rate_limit_per_minute == 100000


# ---------------------------------------------------------------- feedback and storage

def _seed(app, kind="answer", question="Câu hỏi?") -> str:
    message_id = f"m{abs(hash((kind, question, time.time_ns()))):x}"
    assert app.extensions["hts.store"].record_answer(message_id, kind, question)
    return message_id


def test_feedback_is_stored_and_can_be_changed(make_app, tmp_path):
    app = make_app()
    client = app.test_client()
    message_id = _seed(app, "target")
    response = client.post("/api/feedback", json={"message_id": message_id, "helpful": True})
    assert response.status_code == 200 and response.get_json() == {"stored": True}
    response = client.post("/api/feedback", json={"message_id": message_id, "helpful": False,
                                                  "comment": "Thiếu số liệu, gọi tôi 0912 345 678"})
    assert response.status_code == 200
    with sqlite3.connect(tmp_path / "var" / "assistant.sqlite3") as db:
        rows = db.execute("SELECT message_id, helpful, comment FROM feedback").fetchall()
    assert rows == [(message_id, 0, "Thiếu số liệu, gọi tôi [số điện thoại]")]


@pytest.mark.parametrize("payload", [
    None, [], {"helpful": True}, {"message_id": "abc"}, {"message_id": "abc", "helpful": "yes"},
    {"message_id": "abc", "helpful": 1}, {"message_id": 5, "helpful": True},
    {"message_id": "<b>", "helpful": True}, {"message_id": "abc", "helpful": True, "comment": 3},
])
def test_bad_feedback_is_400(client, payload):
    response = client.post("/api/feedback", json=payload) if payload is not None else \
        client.post("/api/feedback", data="oops", content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_feedback"


def test_feedback_on_an_unknown_answer_is_404_and_overlong_comment_413(make_app):
    app = make_app()
    client = app.test_client()
    response = client.post("/api/feedback", json={"message_id": "0" * 32, "helpful": True})
    assert response.status_code == 404 and error_of(response)["code"] == "unknown_message"
    message_id = _seed(app)
    response = client.post("/api/feedback", json={"message_id": message_id, "helpful": False, "comment": "x" * 1001})
    assert response.status_code == 413


def _unwritable_locations(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    # Root ignores file modes, so "read-only" is made of things even root cannot write:
    # a path below a regular file, and a path inside the read-only /proc filesystem.
    return [str(blocker / "assistant.sqlite3"), "/proc/hts-no-such-dir/assistant.sqlite3"]


# A canned reply in Rasa's REST format, to get past Rasa to the storage step. It is
# transport only; real answers are checked in the e2e tests.
CANNED = json.dumps([{"recipient_id": SENDER, "text": "Câu trả lời."},
                     {"recipient_id": SENDER, "custom": {"kind": "fallback"}}]).encode()


def test_unwritable_database_keeps_chat_working_and_feedback_answers_503(make_app, tmp_path, caplog):
    for location in _unwritable_locations(tmp_path):
        with http_server(body=CANNED) as rasa:
            app = make_app({"rasa.url": rasa.url, "web.database": location})
            client = app.test_client()
            response = chat(client, "Tỷ giá đô la hôm nay?")
        assert response.status_code == 200, location
        answer = response.get_json()
        assert answer["messages"] == [{"text": "Câu trả lời."}]
        assert answer["meta"]["kind"] == "fallback" and answer["meta"]["message_id"]
        assert "not recorded" in caplog.text
        feedback = client.post("/api/feedback", json={"message_id": answer["meta"]["message_id"], "helpful": True})
        assert feedback.status_code == 503
        assert error_of(feedback)["code"] == "feedback_unavailable"


def test_answers_are_stored_without_personal_data(make_app, tmp_path):
    question = "Tôi là Lan, 0912.345.678, lan@example.com, CCCD 001234567890: tỷ giá đô la?"
    with http_server(body=CANNED) as rasa:
        client = make_app({"rasa.url": rasa.url}).test_client()
        message_id = chat(client, question, headers={"X-Forwarded-For": "5.6.7.8"}).get_json()["meta"]["message_id"]
    with sqlite3.connect(tmp_path / "var" / "assistant.sqlite3") as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(answers)")]
        row = db.execute("SELECT * FROM answers").fetchone()
    assert columns == ["message_id", "kind", "question", "question_key", "created_at"]
    assert row[:3] == (message_id, "fallback",
                       "Tôi là Lan, [số điện thoại], [email], CCCD [dãy số]: tỷ giá đô la?")
    stored = " ".join(str(value) for value in row)
    for personal in ("0912", "345.678", "lan@example.com", "001234567890", SENDER, "5.6.7.8", "127.0.0.1"):
        assert personal not in stored


@pytest.mark.parametrize("text, expected", [
    ("gọi 0912345678 nhé", "gọi [số điện thoại] nhé"),
    ("số +84 912 345 678", "số [số điện thoại]"),
    ("liên hệ 84-912-345-678", "liên hệ [số điện thoại]"),
    ("máy bàn 0277.3871.234", "máy bàn [số điện thoại]"),
    ("email a.b+c@so-tt.gov.vn.", "email [email]."),
    ("CMND 123456789, CCCD 001203004567", "CMND [dãy số], CCCD [dãy số]"),
    # Numbers that are the questions' substance stay.
    ("Kế hoạch 540/KH-UBND năm 2025 đạt 120 Mbps?", "Kế hoạch 540/KH-UBND năm 2025 đạt 120 Mbps?"),
    ("Thông tư 14/2022/TT-BTTTT, QĐ 2269/QĐ-TTg", "Thông tư 14/2022/TT-BTTTT, QĐ 2269/QĐ-TTg"),
    ("giai đoạn 2023 2024 2025, 1.000.000 dân", "giai đoạn 2023 2024 2025, 1.000.000 dân"),
])
def test_scrub(text, expected):
    assert scrub(text) == expected


# ---------------------------------------------------------------- insights

def test_insights_is_disabled_without_a_token(client):
    assert client.get("/admin/insights").status_code == 404
    assert client.get("/admin/insights", headers={"Authorization": "Bearer "}).status_code == 404


def test_insights_needs_the_token_and_groups_unanswered_questions(make_app):
    app = make_app({"web.admin_token": "s3cret-token"})
    client = app.test_client()
    assert client.get("/admin/insights").status_code == 401
    wrong = client.get("/admin/insights", headers={"Authorization": "Bearer wrong"})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"] == "Bearer"
    assert client.get("/admin/insights", headers={"Authorization": "Basic s3cret-token"}).status_code == 401

    for question in ("Tỷ giá đô la hôm nay?", "ty gia do la hom nay", "Tỷ giá  đô la hôm nay!!"):
        _seed(app, "out_of_scope", question)
    _seed(app, "fallback", "Tỷ giá đô la hôm nay?")
    _seed(app, "no_plan", "Kế hoạch của Lào Cai?")
    helpful = _seed(app, "target", "Mục tiêu 5G Tuyên Quang?")
    unhelpful = _seed(app, "no_plan", "Kế hoạch của Lào Cai?")
    client.post("/api/feedback", json={"message_id": helpful, "helpful": True})
    client.post("/api/feedback", json={"message_id": unhelpful, "helpful": False})

    response = client.get("/admin/insights", headers={"Authorization": "Bearer s3cret-token"})
    assert response.status_code == 200
    data = response.get_json()
    top = data["unanswered"][0]
    assert top["count"] == 4
    assert top["kinds"] == {"out_of_scope": 3, "fallback": 1}
    assert question_key(top["question"]) == "ty gia do la hom nay"
    assert data["unanswered"][1]["count"] == 2 and data["unanswered"][1]["kinds"] == {"no_plan": 2}
    assert all(item["question"] != "Mục tiêu 5G Tuyên Quang?" for item in data["unanswered"])
    assert data["feedback"]["total"] == {"helpful": 1, "not_helpful": 1}
    assert data["feedback"]["by_kind"] == {"target": {"helpful": 1, "not_helpful": 0},
                                           "no_plan": {"helpful": 0, "not_helpful": 1}}


def test_insights_with_an_unwritable_database_is_503(make_app, tmp_path):
    location = _unwritable_locations(tmp_path)[0]
    client = make_app({"web.admin_token": "t", "web.database": location}).test_client()
    assert client.get("/admin/insights", headers={"Authorization": "Bearer t"}).status_code == 503


# ---------------------------------------------------------------- readiness

@pytest.fixture
def fake_index(monkeypatch):
    """index.retrieval.status replaced by a module whose answer the test chooses."""
    def install(ready: bool | None):
        if ready is None:
            monkeypatch.setitem(sys.modules, "index.retrieval.status", None)   # import raises ImportError
            return
        module = types.ModuleType("index.retrieval.status")
        module.index_status = lambda: {"ready": ready, "detail": "fake"}
        monkeypatch.setitem(sys.modules, "index.retrieval.status", module)
    return install


def test_readyz_is_503_naming_every_part_that_is_down(client, fake_index):
    fake_index(None)
    response = client.get("/readyz")
    assert response.status_code == 503
    data = response.get_json()
    assert data["status"] == "not_ready"
    assert set(data["not_ready"]) == {"rasa", "actions", "index"}
    assert "index.retrieval.status" in data["checks"]["index"]["detail"]


def test_readyz_is_200_when_rasa_actions_and_index_are_ready(make_app, fake_index):
    fake_index(True)
    with http_server(body=b'{"status": "ok"}') as rasa, http_server(body=b'{"status": "ok"}') as actions:
        client = make_app({"rasa.url": rasa.url, "rasa.token": "tok", "actions.url": actions.url}).test_client()
        response = client.get("/readyz")
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == "ready"
        # our channel's health route: no token, so none in a URL
        assert rasa.requests[0]["path"] == "/webhooks/webapp/" and actions.requests[0]["path"] == "/health"
        fake_index(False)
        response = client.get("/readyz")
        assert response.status_code == 503 and response.get_json()["not_ready"] == ["index"]


def test_readyz_says_what_answers_at_rasas_address_is_not_rasa_and_stays_fast_when_rasa_hangs(
        make_app, fake_index, silent_url):
    fake_index(True)
    with http_server(body=b"<html>portal</html>", content_type="text/html") as other, \
            http_server(body=b'{"status": "ok"}') as actions:
        client = make_app({"rasa.url": other.url, "actions.url": actions.url}).test_client()
        response = client.get("/readyz")
        assert response.status_code == 503 and response.get_json()["not_ready"] == ["rasa"]
    with http_server(body=b'{"status": "ok"}') as actions:
        client = make_app({"rasa.url": silent_url, "actions.url": actions.url}).test_client()
        started = time.monotonic()
        response = client.get("/readyz")
        assert response.status_code == 503 and response.get_json()["not_ready"] == ["rasa"]
        assert time.monotonic() - started < 3.5


# ---------------------------------------------------------------- plan pages

def test_plan_list_links_every_plan(client):
    html = client.get("/plans").get_data(as_text=True)
    plans, _ = load_plans()
    for plan in plans:
        assert f'href="/plans/{plan.id}"' in html
    assert "Dự thảo" in html


def test_plan_page_has_the_catalogue_header_and_an_anchor_per_section_and_line(client):
    plans, _ = load_plans()
    for plan in plans:
        response = client.get(f"/plans/{plan.id}")
        assert response.status_code == 200
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        html = response.get_data(as_text=True)
        info = plan.info
        for field in (info.province, info.title, info.period):
            assert field in html
        assert ("Dự thảo" in html) == (info.status == "draft")
        if info.signer:
            assert info.signer in html
        if info.number:
            assert info.number in html
        for section in plan.sections():
            assert f'id="{section.anchor}"' in html, section.anchor
            for line in section.lines:
                assert f'id="L{line.number}"' in html


def test_plan_page_escapes_the_document_text(client, monkeypatch):
    info = PlanInfo(id="xss", file="xss.txt", province="<b>Tỉnh</b>", title="Kế hoạch <script>alert(1)</script>",
                    number="", date="2024-05", period="", status="draft", signer="", signer_title="")
    text = ("I. MỤC ĐÍCH <img src=x onerror=alert(2)>\n1. Mục đích\n- Dòng <script>alert(3)</script>\n"
            "II. MỤC TIÊU\n1. Mục tiêu\nĐạt 100% \"cáp quang\" & <i>5G</i>.\n")
    plan = parse_plan(text, info)
    monkeypatch.setattr(plans_view, "plans", lambda: {"xss": plan})
    html = client.get("/plans/xss").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html and "<i>5G" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "&lt;b&gt;Tỉnh&lt;/b&gt;" in html
    assert "05/2024" in html and "Dự thảo" in html


def test_unknown_plan_and_unknown_page_are_vietnamese_404_pages(client):
    for path in ("/plans/khong-co", "/trang-khong-ton-tai", "/plans/%3Cscript%3E"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.mimetype == "text/html"
        html = response.get_data(as_text=True)
        assert "Không tìm thấy" in html and '<html lang="vi">' in html
        assert "<script>" not in html


# ---------------------------------------------------------------- demo page and widget files

def test_demo_page_embeds_the_widget_with_one_tag(client):
    html = client.get("/").get_data(as_text=True)
    assert "Cổng thông tin điện tử tỉnh" in html and "trang minh họa" in html
    assert html.count('<script src="/widget.js" data-title="Trợ lý hạ tầng số" async></script>') == 1


def test_demo_page_never_copies_a_forged_host_into_the_script_tag(client):
    html = client.get("/", headers={"Host": "evil.example.com\"><x"}).get_data(as_text=True)
    assert "evil.example.com" not in html and 'src="/widget.js"' in html


def test_widget_files_are_served_and_never_build_html_from_strings(client):
    script = client.get("/widget.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    source = script.get_data(as_text=True)
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in source, sink
    assert "attachShadow" in source
    style = client.get("/widget.css")
    assert style.status_code == 200 and style.mimetype == "text/css"


# ---------------------------------------------------------------- against the real stack

@pytest.fixture
def real_stack(request):
    """The `stack` fixture of tests/conftest.py (real Rasa, action server, index, web
    app); these tests skip until it exists."""
    try:
        return request.getfixturevalue("stack")
    except pytest.FixtureLookupError:
        pytest.skip("the `stack` fixture (tests/conftest.py) is not available yet")


def _ask(stack, message: str) -> requests.Response:
    return requests.post(f"{stack.web_url}/api/chat", json={"sender": f"e2e-{time.time_ns():x}", "message": message},
                         timeout=60)


@pytest.mark.e2e
def test_real_question_gets_an_answer_with_kind_and_sources(real_stack):
    response = _ask(real_stack, "Mục tiêu tốc độ băng rộng cố định của Tuyên Quang năm 2025?")
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["messages"] and all(m["text"].strip() for m in answer["messages"])
    meta = answer["meta"]
    assert meta["kind"] and meta["message_id"]
    assert meta["sources"] and meta["sources"][0]["province"] == "Tuyên Quang"
    for source in meta["sources"]:
        assert source.get("document") and source.get("section")


@pytest.mark.e2e
def test_question_without_a_province_gets_province_buttons(real_stack):
    response = _ask(real_stack, "Mục tiêu tốc độ băng rộng di động năm 2025?")
    assert response.status_code == 200, response.text
    buttons = [button for message in response.json()["messages"] for button in message.get("buttons", [])]
    assert buttons and all(button["title"] and button["payload"] for button in buttons)


@pytest.mark.e2e
def test_sources_link_to_existing_plan_anchors(real_stack):
    meta = _ask(real_stack, "Mục tiêu tốc độ băng rộng cố định của Tuyên Quang năm 2025?").json()["meta"]
    linked = [source for source in meta["sources"] if source.get("plan")]
    assert linked, "sources carry no plan id to link to"
    for source in linked:
        html = requests.get(f"{real_stack.web_url}/plans/{source['plan']}", timeout=10).text
        if source.get("anchor"):
            assert f'id="{source["anchor"]}"' in html


@pytest.mark.e2e
def test_real_stack_is_ready(real_stack):
    response = requests.get(f"{real_stack.web_url}/readyz", timeout=10)
    assert response.status_code == 200, response.text


@pytest.mark.e2e
@pytest.mark.xfail(strict=False, reason="known gap (stop 18): an app made by make_app with the stack's "
                   "rasa.token gets 401 from Rasa's token channel (dialogue/channel.py); to be fixed first")
def test_unanswered_real_question_is_logged_scrubbed_and_chat_survives_a_broken_database(real_stack, make_app, tmp_path):
    app = make_app({"rasa.url": real_stack.rasa_url, "rasa.token": real_stack.token})
    client = app.test_client()
    response = chat(client, "Tỷ giá đô la hôm nay là bao nhiêu? Gọi tôi 0912345678")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["meta"]["kind"] in ("out_of_scope", "fallback")
    with sqlite3.connect(tmp_path / "var" / "assistant.sqlite3") as db:
        (question,) = db.execute("SELECT question FROM answers").fetchone()
    assert "0912345678" not in question and "[số điện thoại]" in question
    broken = make_app({"rasa.url": real_stack.rasa_url, "web.database": _unwritable_locations(tmp_path)[0]})
    response = chat(broken.test_client(), "Mục tiêu tốc độ băng rộng cố định của Tuyên Quang năm 2025?")
    assert response.status_code == 200
