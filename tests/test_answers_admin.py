"""The answer editor's API, operator accounts and the insights data, on the web app
alone (no Rasa, no model): every bad input gets a Vietnamese message and changes
nothing; the change log names the operator; the CSV's columns and encoding; no personal
data reaches the insights store. The real stack runs the same flows in
tests/test_operator_browser.py."""
import csv
import hashlib
import io
import json
import sqlite3
from datetime import date, timedelta

import pytest
import yaml

from bot import insights
from bot.app import create_app
from index import answers_publish

LAN, MINH = "lan-token-0123456789abcdef", "minh-token-fedcba9876543210"
SHARED = "shared-admin-token"

GOOD = {"answer": "Chữ ký số cho người dân được cấp qua các tổ chức cung cấp dịch vụ chứng thực chữ ký số "
                  "công cộng; danh sách do Bộ Khoa học và Công nghệ công bố.",
        "examples": ["làm chữ ký số ở đâu", "đăng ký chữ ký số cá nhân thế nào"],
        "source": {"document": "Luật Giao dịch điện tử", "number": "20/2023/QH15", "date": "22/6/2023",
                   "url": "https://vbpl.vn/luat-giao-dich-dien-tu-2023"},
        "valid_until": (date.today() + timedelta(days=365)).isoformat()}

# (body, expected error code): every way the issue names, and a few more.
BAD = [
    ({**GOOD, "source": None}, "answer_no_source"),
    ({k: v for k, v in GOOD.items() if k != "source"}, "answer_no_source"),
    ({**GOOD, "source": {"url": "https://vbpl.vn/x"}}, "answer_no_source"),
    ({**GOOD, "source": {"document": "Luật", "url": "javascript:alert(1)"}}, "answer_bad_url"),
    ({**GOOD, "source": {"document": "Luật", "url": "vbpl.vn"}}, "answer_bad_url"),
    ({**GOOD, "source": "Luật Giao dịch điện tử"}, "answer_bad_source_field"),
    ({**GOOD, "examples": []}, "answer_no_examples"),
    ({k: v for k, v in GOOD.items() if k != "examples"}, "answer_no_examples"),
    ({**GOOD, "examples": ["  ", ""]}, "answer_no_examples"),
    ({**GOOD, "examples": "làm chữ ký số ở đâu"}, "answer_bad_example"),
    ({**GOOD, "examples": [3]}, "answer_bad_example"),
    ({**GOOD, "examples": ["x" * 201]}, "answer_bad_example"),
    ({**GOOD, "examples": [f"câu {i}" for i in range(21)]}, "answer_too_many_examples"),
    ({**GOOD, "answer": "Chữ ký số. " * 50}, "answer_answer_too_long"),
    ({**GOOD, "answer": ""}, "answer_empty_answer"),
    ({**GOOD, "answer": None}, "answer_empty_answer"),
    ({**GOOD, "answer": "Xem <a href='https://x.vn'>tại đây</a>"}, "answer_html_not_allowed"),
    ({**GOOD, "answer": "Chữ&nbsp;ký số"}, "answer_html_not_allowed"),
    ({**GOOD, "examples": ["<script>alert(1)</script>"]}, "answer_html_not_allowed"),
    ({**GOOD, "source": {"document": "<b>Luật</b>", "url": "https://vbpl.vn/x"}}, "answer_html_not_allowed"),
    ({**GOOD, "valid_until": "31/12/2027"}, "answer_bad_valid_until"),
    ({**GOOD, "valid_until": "2027-02-30"}, "answer_bad_valid_until"),
    ({**GOOD, "valid_until": "2020-01-01"}, "answer_past_valid_until"),
    ([GOOD], "answer_bad_body"),
    ("chữ ký số", "answer_bad_body"),
]


@pytest.fixture
def operators_file(tmp_path):
    path = tmp_path / "operators.yml"
    path.write_text(yaml.safe_dump({"operators": [
        {"name": "Nguyễn Thị Lan", "token_sha256": hashlib.sha256(LAN.encode()).hexdigest()},
        {"name": "Trần Văn Minh", "token_sha256": hashlib.sha256(MINH.encode()).hexdigest()},
        {"name": "Không hợp lệ", "token_sha256": "abc"},
    ]}, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def app(tmp_path, monkeypatch, operators_file, closed_url):
    monkeypatch.setenv("HTS_INDEX_HISTORY_DIR", str(tmp_path / "history"))
    return create_app({"web.operators_file": str(operators_file), "web.database": str(tmp_path / "a.sqlite3"),
                       "actions.url": closed_url, "web.admin_failures_per_minute": 1000})


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_bad_answers_get_a_vietnamese_message_and_change_nothing(app):
    client = app.test_client()
    for body, code in BAD:
        response = client.post("/admin/api/answers", data=json.dumps(body), content_type="application/json",
                               headers=auth(LAN))
        assert response.status_code == 400, (body, response.json)
        error = response.json["error"]
        assert error["code"] == code, (body, error)
        assert any(ch in error["message"] for ch in "ảãạăâđêôơư"), error     # Vietnamese, with diacritics
        assert "<" not in error["message"] or code == "answer_html_not_allowed"
    assert answers_publish.published()["answers"] == [] and answers_publish.changes() == []
    # Not JSON at all, and an update with bad input: the published answer is kept as it was.
    assert client.post("/admin/api/answers", data="{", content_type="application/json",
                       headers=auth(LAN)).json["error"]["code"] == "answer_bad_body"
    created = client.post("/admin/api/answers", json=GOOD, headers=auth(LAN)).json
    response = client.put(f"/admin/api/answers/{created['id']}", json={**GOOD, "examples": []}, headers=auth(LAN))
    assert response.status_code == 400
    assert answers_publish.find(created["id"])["examples"] == GOOD["examples"]
    assert client.put("/admin/api/answers/op-00000000", json=GOOD, headers=auth(LAN)).status_code == 404
    assert client.delete("/admin/api/answers/../../etc", headers=auth(LAN)).status_code == 404


def test_answers_are_versioned_logged_by_name_and_undone(app):
    client = app.test_client()
    version0 = answers_publish.answers_version()
    response = client.post("/admin/api/answers", json=GOOD, headers=auth(LAN))
    assert response.status_code == 201
    created = response.json
    assert created["id"].startswith("op-") and created["change"]["by"] == "Nguyễn Thị Lan"
    assert created["source"]["number"] == "20/2023/QH15"
    version1 = answers_publish.answers_version()
    assert version1 != version0

    changed = client.put(f"/admin/api/answers/{created['id']}", json={**GOOD, "answer": "Câu trả lời mới."},
                         headers=auth(MINH)).json
    assert changed["answer"] == "Câu trả lời mới." and changed["change"]["by"] == "Trần Văn Minh"
    assert answers_publish.answers_version() != version1
    listed = client.get("/admin/api/answers", headers=auth(LAN)).json
    assert [a["answer"] for a in listed["answers"]] == ["Câu trả lời mới."]
    assert [(c["action"], c["by"], c["undoable"]) for c in listed["changes"]] == [
        ("update", "Trần Văn Minh", True), ("create", "Nguyễn Thị Lan", False)]

    # Only the latest change of an answer can be undone.
    stale = client.post(f"/admin/api/answer-changes/{listed['changes'][1]['id']}/undo", headers=auth(LAN))
    assert stale.status_code == 409 and stale.json["error"]["code"] == "answer_stale_change"
    undone = client.post(f"/admin/api/answer-changes/{listed['changes'][0]['id']}/undo", headers=auth(LAN)).json
    assert undone["change"]["by"] == "Nguyễn Thị Lan" and undone["change"]["action"] == "undo"
    assert answers_publish.find(created["id"])["answer"] == GOOD["answer"]

    removed = client.delete(f"/admin/api/answers/{created['id']}", headers=auth(MINH)).json
    assert removed["change"]["before"]["id"] == created["id"] and answers_publish.published()["answers"] == []
    client.post(f"/admin/api/answer-changes/{removed['change']['id']}/undo", headers=auth(MINH))
    assert [a["id"] for a in answers_publish.live_answers()] == [created["id"]]
    assert client.post("/admin/api/answer-changes/nope/undo", headers=auth(LAN)).status_code == 404


def test_expired_answers_are_not_given(app):
    client = app.test_client()
    client.post("/admin/api/answers", json={**GOOD, "valid_until": date.today().isoformat()}, headers=auth(LAN))
    assert len(answers_publish.live_answers()) == 1
    assert answers_publish.live_answers(date.today() + timedelta(days=1)) == []


def test_operators_by_name_and_wrong_tokens(app, tmp_path, operators_file, closed_url, monkeypatch):
    client = app.test_client()
    assert client.get("/admin/api/me", headers=auth(LAN)).json == {"name": "Nguyễn Thị Lan"}
    assert client.get("/admin/api/me", headers=auth(MINH)).json == {"name": "Trần Văn Minh"}
    for headers in (auth("wrong"), auth(""), {}, {"Authorization": LAN}, {"Authorization": f"Basic {LAN}"}):
        response = client.get("/admin/api/me", headers=headers)
        assert response.status_code == 401 and response.json["error"]["message"] == "Cần mã truy cập hợp lệ."
    assert client.get("/admin/questions").status_code == 200
    # The file is read again when it changes: a revoked operator is out at once.
    operators_file.write_text(yaml.safe_dump({"operators": [
        {"name": "Trần Văn Minh", "token_sha256": hashlib.sha256(MINH.encode()).hexdigest()}]},
        allow_unicode=True), encoding="utf-8")
    import os
    os.utime(operators_file, ns=(1, 10**18))
    assert client.get("/admin/api/me", headers=auth(LAN)).status_code == 401
    # The shared token still works and is named as such; no account and no token: 404.
    shared = create_app({"web.admin_token": SHARED, "web.database": str(tmp_path / "b.sqlite3"),
                         "actions.url": closed_url}).test_client()
    assert shared.get("/admin/api/me", headers=auth(SHARED)).json == {"name": "Quản trị (mã dùng chung)"}
    off = create_app({"web.admin_token": "", "web.database": str(tmp_path / "c.sqlite3")}).test_client()
    assert off.get("/admin/questions").status_code == 404 and off.get("/admin/api/answers").status_code == 404


def test_plan_changes_name_the_operator(app, published_copy):
    from index import publish
    client = app.test_client()
    response = client.delete("/admin/api/plans/hau-giang", headers=auth(MINH))
    assert response.status_code == 200, response.json
    assert response.json["change"]["by"] == "Trần Văn Minh"
    assert publish.changes()[-1]["by"] == "Trần Văn Minh"


def _fill(app):
    store = app.extensions["hts.store"]
    store.record_answer("m1", "out_of_scope", "làm chữ ký số ở đâu? gọi tôi 0912 345 678 hoặc lan@gmail.com")
    store.record_answer("m2", "fallback", "Làm chữ ký số ở đâu")
    store.record_answer("m3", "target", "=HYPERLINK(\"http://x\") tốc độ mạng Hậu Giang, CCCD 012345678901")
    store.save_feedback("m3", False, "sai rồi, số tôi là 0987.654.321")
    store.record_answer("m4", "clarify", "mục tiêu cáp quang")
    store.record_answer("m5", "clarify", "tốc độ mạng")
    store.note_turn("web-a", "m5", "clarify")
    store.record_answer("m6", "target", "Tuyên Quang")
    store.note_turn("web-a", "m6", "target")          # m5 answered: resolved
    store.record_answer("m7", "target", "mục tiêu 4G Sóc Trăng")


def test_insights_groups_csv_columns_encoding_and_no_personal_data(app):
    _fill(app)
    client = app.test_client()
    report = client.get("/admin/api/insights", headers=auth(LAN)).json
    assert report["grouped_by"] == "wording"             # the action server is not running here
    assert sum(g["count"] for g in report["groups"]) == 4      # m1, m2, m3 (thumbs down), m4 (open clarify)
    thumbs = next(g for g in report["groups"] if g["thumbs_down"])
    assert thumbs["comments"] == ["sai rồi, số tôi là [số điện thoại]"] and thumbs["kinds"] == {"target": 1}
    assert [g["unresolved_clarify"] for g in report["groups"] if g["unresolved_clarify"]] == [1]
    today = [p for p in report["series"] if p["answered"] or p["declined"]]
    assert [(p["answered"], p["declined"], p["thumbs_down"]) for p in today] == [(5, 2, 1)]

    response = client.get("/admin/api/insights.csv", headers=auth(LAN))
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="cau-hoi-chua-tra-loi-')
    raw = response.data
    assert raw.startswith(b"\xef\xbb\xbf")                     # UTF-8 BOM: Excel reads Vietnamese
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0]) == insights.CSV_COLUMNS
    assert len(rows) == 1 + len(report["groups"])
    assert any("chữ ký số" in row[1] for row in rows[1:])
    assert all(not row[1].startswith("=") for row in rows[1:])  # no formula for Excel to run
    text = raw.decode("utf-8-sig")
    database = sqlite3.connect(app.config["HTS"].database)
    stored = json.dumps(database.execute("SELECT * FROM answers").fetchall() +
                        database.execute("SELECT * FROM feedback").fetchall(), ensure_ascii=False)
    for personal in ("0912", "345 678", "lan@gmail", "012345678901", "0987", "654.321", "web-a"):
        assert personal not in text and personal not in stored, personal
    assert "web-a" not in json.dumps(database.execute("SELECT * FROM clarify_resolved").fetchall())


@pytest.mark.parametrize("query", ["from=2026-13-01", "from=2026-12-06&to=2026-12-01", "from=2024-01-01&to=2026-01-01",
                                   "to=hôm-nay"])
def test_bad_date_ranges(app, query):
    for path in ("/admin/api/insights", "/admin/api/insights.csv"):
        response = app.test_client().get(f"{path}?{query}", headers=auth(LAN))
        assert response.status_code == 400 and response.json["error"]["code"] == "insights_bad_date"
        assert "NNNN-TT-NN" in response.json["error"]["message"]


def test_weekly_buckets_for_long_ranges(app):
    report = app.test_client().get("/admin/api/insights?from=2026-01-05&to=2026-06-30", headers=auth(LAN)).json
    assert report["bucket"] == "week" and report["series"][0]["period"] == "2026-01-05"
    assert all(date.fromisoformat(p["period"]).weekday() == 0 for p in report["series"])


def test_preview_without_the_action_server_says_so(app):
    response = app.test_client().post("/admin/api/answers/preview", json=GOOD, headers=auth(LAN))
    assert response.status_code == 503 and response.json["error"]["code"] == "answer_preview_unavailable"
    bad = app.test_client().post("/admin/api/answers/preview", json={**GOOD, "source": None}, headers=auth(LAN))
    assert bad.status_code == 400 and bad.json["error"]["code"] == "answer_no_source"
