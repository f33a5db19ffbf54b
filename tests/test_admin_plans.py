"""The plan admin page's API (bot/admin.py) and the publishing behind it (index/publish.py),
through Flask's test client on a copy of the real plans and the real index: upload →
preview → edit → publish → replace → undo → remove → undo, the change log, the admin
token, and the action server's reload of a new index version (actions/knowledge_base.py).

Nothing is mocked: every publish runs the real `python -m index build` (the embedding
model, FAISS) on the copies, which re-embeds only the changed plan. The plan used is a
made-up one for a province the corpus lacks (tests/admin/lam-dong-2026.txt).
"""
import io
import json
import threading
from pathlib import Path

import pytest

from bot.app import create_app
from index.plans.catalog import load_catalog
from index.plans.knowledge import read_knowledge
from index.retrieval.store import index_version, read_manifest

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "tests" / "admin" / "lam-dong-2026.txt"
TOKEN = "admin-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LAM_DONG_QUESTION = "Mục tiêu tốc độ băng rộng di động của Lâm Đồng năm 2027?"


@pytest.fixture
def client(tmp_path, published_copy):
    app = create_app({"web.admin_token": TOKEN, "web.database": str(tmp_path / "assistant.sqlite3"),
                      "web.admin_failures_per_minute": 5})
    return app.test_client()


def upload(client, data: bytes, name: str):
    return client.post("/admin/api/uploads", headers=AUTH, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), name)})


def values_of(plan_id: str) -> dict:
    knowledge = read_knowledge()
    return {record.indicator: record.value for record in knowledge.values if record.plan == plan_id}


def test_admin_page_needs_a_configured_token(tmp_path):
    app = create_app({"web.admin_token": "", "web.database": str(tmp_path / "a.sqlite3")})
    client = app.test_client()
    assert client.get("/admin/plans").status_code == 404
    assert client.get("/admin/api/plans", headers=AUTH).status_code == 404


def test_admin_api_refuses_wrong_tokens_and_limits_them(client):
    page = client.get("/admin/plans")                  # the page is a shell without data
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Quản trị kế hoạch" in html and "Công bố" in html and "Hoàn tác" in html
    assert client.get("/admin/api/plans").status_code == 401       # no token: failure 1
    for _ in range(3):                                                # failures 2-4
        refused = client.get("/admin/api/plans", headers={"Authorization": "Bearer wrong"})
        assert refused.status_code == 401
        assert refused.get_json()["error"]["message"] == "Cần mã truy cập hợp lệ."
    # the fifth failure of the minute is still answered 401, then the client waits
    assert client.delete("/admin/api/plans/tien-giang").status_code == 401
    assert client.get("/admin/api/plans", headers={"Authorization": "Bearer wrong"}).status_code == 429
    # the right token is never locked out by someone else's wrong ones (same address, NAT)
    assert client.get("/admin/api/plans", headers=AUTH).status_code == 200
    assert client.get("/admin/api/plans").status_code == 429


def test_upload_refuses_other_files(client):
    refused = upload(client, b"%PNG not a plan", "plan.png")
    assert refused.status_code == 415
    assert "Chỉ nhận tệp kế hoạch" in refused.get_json()["error"]["message"]
    unreadable = upload(client, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "plan.txt")
    assert unreadable.status_code == 422
    assert unreadable.get_json()["error"]["code"] == "admin_unreadable_plan"
    assert upload(client, b"", "plan.txt").status_code == 400


def test_upload_preview_edit_publish_replace_remove_and_undo(client, published_copy):
    plans_dir, index_dir, history = published_copy
    catalog_text = (plans_dir / "catalog.yml").read_text(encoding="utf-8")
    before_version = index_version()

    # upload: the preview proposes the catalogue from the header
    preview = upload(client, PLAN.read_bytes(), "Kế hoạch Lâm Đồng.txt")
    assert preview.status_code == 200, preview.get_json()
    shown = preview.get_json()
    assert shown["catalog"]["province"] == "Lâm Đồng"
    assert shown["catalog"]["number"] == "12/KH-UBND"
    assert shown["catalog"]["date"] == "2026-01-15"
    assert shown["catalog"]["signer"] == "Trần Văn Bình"
    assert shown["catalog"]["status"] == "issued"
    assert (shown["sections"], shown["chunks"], len(shown["facts"]), len(shown["duties"])) == (11, 6, 6, 2)
    assert shown["plan_id"] == "lam-dong-2026" and shown["replaces"] is None
    assert shown["standing"] == "current"
    sha = shown["upload"]

    # edit: the operator corrects the period; the preview follows
    edits = {"catalog": {"period": "2026 - 2027", "signer": "Trần Văn Bình", "status": "issued"}}
    edited = client.post(f"/admin/api/uploads/{sha}/preview", headers=AUTH, json=edits).get_json()
    assert edited["catalog"]["period"] == "2026 - 2027" and edited["plan_id"] == "lam-dong-2026-2027"
    bad = client.post(f"/admin/api/uploads/{sha}/preview", headers=AUTH, json={"catalog": {"status": "signed"}})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "admin_bad_field"
    escape = client.post(f"/admin/api/uploads/{sha}/publish", headers=AUTH, json={"plan_id": "../catalog"})
    assert escape.status_code == 400 and not (plans_dir.parent / "catalog.txt").exists()

    # publish: file, catalogue entry, index and change log
    published = client.post(f"/admin/api/uploads/{sha}/publish", headers=AUTH, json=edits)
    assert published.status_code == 200, published.get_json()
    change = published.get_json()["change"]
    assert change["action"] == "publish" and change["plan"] == "lam-dong-2026-2027"
    assert change["sha256"] == sha and change["before"] is None
    assert change["fields"]["period"] == ["", "2026 - 2027"]
    assert (plans_dir / "lam-dong-2026-2027.txt").read_bytes() == PLAN.read_bytes()
    info = next(i for i in load_catalog() if i.id == "lam-dong-2026-2027")
    assert (info.province, info.number, info.period, info.signer) == ("Lâm Đồng", "12/KH-UBND", "2026 - 2027",
                                                                     "Trần Văn Bình")
    new_text = (plans_dir / "catalog.yml").read_text(encoding="utf-8")
    assert new_text.startswith(catalog_text.split("plans:")[0])      # the comments are kept
    manifest = read_manifest()
    assert manifest["plans"]["lam-dong-2026-2027"]["chunks"] == 6
    assert index_version() != before_version
    assert "6 chunks embedded" in change["index"]                    # that plan only
    assert values_of("lam-dong-2026-2027")["mobile_broadband_speed"] == 80
    source_page = client.get("/plans/lam-dong-2026-2027")            # answers link here at once
    assert source_page.status_code == 200 and "Tốc độ băng rộng di động" in source_page.get_data(as_text=True)
    listing = client.get("/admin/api/plans", headers=AUTH).get_json()
    row = next(p for p in listing["plans"] if p["id"] == "lam-dong-2026-2027")
    assert row["standing"] == "current" and row["sha256"] == sha
    assert listing["changes"][0]["id"] == change["id"] and listing["changes"][0]["undoable"]

    # replace: a corrected file under the same id
    corrected = PLAN.read_bytes().replace("tối thiểu 80 Mb/s".encode(), "tối thiểu 95 Mb/s".encode())
    second = upload(client, corrected, "lam-dong-sua.txt").get_json()
    assert second["plan_id"] == "lam-dong-2026" and second["replaces"] is None
    replaced = client.post(f"/admin/api/uploads/{second['upload']}/publish", headers=AUTH,
                           json={**edits, "plan_id": "lam-dong-2026-2027"}).get_json()["change"]
    assert replaced["action"] == "replace" and replaced["before"]["sha256"] == sha
    assert values_of("lam-dong-2026-2027")["mobile_broadband_speed"] == 95

    # the first change can no longer be undone (the plan changed since); the latest can
    stale = client.post(f"/admin/api/changes/{change['id']}/undo", headers=AUTH)
    assert stale.status_code == 409
    undone = client.post(f"/admin/api/changes/{replaced['id']}/undo", headers=AUTH).get_json()["change"]
    assert undone["action"] == "undo" and undone["undoes"] == replaced["id"] and undone["sha256"] == sha
    assert (plans_dir / "lam-dong-2026-2027.txt").read_bytes() == PLAN.read_bytes()
    assert values_of("lam-dong-2026-2027")["mobile_broadband_speed"] == 80

    # remove, then undo the removal
    removed = client.delete("/admin/api/plans/lam-dong-2026-2027", headers=AUTH).get_json()["change"]
    assert removed["action"] == "remove" and removed["sha256"] is None
    assert not (plans_dir / "lam-dong-2026-2027.txt").exists()
    assert "lam-dong-2026-2027" not in {i.id for i in load_catalog()}
    assert "lam-dong-2026-2027" not in read_manifest()["plans"]
    assert client.get("/plans/lam-dong-2026-2027").status_code == 404
    assert client.delete("/admin/api/plans/lam-dong-2026-2027", headers=AUTH).status_code == 404
    restored = client.post(f"/admin/api/changes/{removed['id']}/undo", headers=AUTH).get_json()["change"]
    assert restored["after"]["entry"]["signer"] == "Trần Văn Bình"
    assert (plans_dir / "lam-dong-2026-2027.txt").read_bytes() == PLAN.read_bytes()
    assert read_manifest()["plans"]["lam-dong-2026-2027"]["chunks"] == 6

    # the change log: when, which file, what changed, newest first, one line per change
    log = [json.loads(line) for line in (history / "changes.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [c["action"] for c in log] == ["publish", "replace", "undo", "remove", "undo"]
    assert all(c["at"].endswith("+00:00") for c in log)
    assert log[1]["sha256"] != log[0]["sha256"]
    listing = client.get("/admin/api/plans", headers=AUTH).get_json()
    assert [c["action"] for c in listing["changes"]] == ["undo", "remove", "undo", "replace", "publish"]
    assert [c["undoable"] for c in listing["changes"]] == [True, False, False, False, False]


def test_a_new_version_of_a_published_plan_is_proposed_as_its_replacement(client):
    """Same province and period as a published plan: the preview says it replaces it.
    The file is padded past the app's 64 KB limit for other requests (uploads: 50 MB)."""
    text = (ROOT / "data" / "plans" / "hau-giang.txt").read_bytes()
    padded = text + ("\nGhi chú: " + "bản sửa " * 12_000 + "\n").encode()
    assert len(padded) > 64 * 1024
    shown = upload(client, padded, "hau-giang-ban-moi.txt").get_json()
    assert shown["plan_id"] == "hau-giang" and shown["replaces"] == "hau-giang"
    assert len(shown["facts"]) >= 20


def test_docx_upload_gives_the_same_preview(client):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    for line in PLAN.read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line.replace("### ", "").replace("**", ""))
    buffer = io.BytesIO()
    document.save(buffer)
    from_docx = upload(client, buffer.getvalue(), "lam-dong.docx").get_json()
    from_txt = upload(client, PLAN.read_bytes(), "lam-dong.txt").get_json()
    assert from_docx["document"]["kind"] == "docx"
    assert [(f["indicator"], f["value"]) for f in from_docx["facts"]] == \
        [(f["indicator"], f["value"]) for f in from_txt["facts"]]
    assert from_docx["catalog"]["number"] == "12/KH-UBND"


def test_action_server_knowledge_reloads_on_a_new_index_version(published_copy):
    """actions/knowledge_base.py in this process: a published plan is seen by the next
    call, without a restart; concurrent callers during the reload each get one whole
    snapshot (plans and index of the same version)."""
    from actions import knowledge_base as kb
    from index import publish

    first = kb.published()
    assert "lam-dong-2026" not in {plan.id for plan in first.knowledge.plans}
    with kb.pinned():
        staged = publish.stage_upload("lam-dong.txt", PLAN.read_bytes())
        publish.publish(staged.sha256)
        pinned = kb.plans()            # a request that started before keeps its snapshot
        assert pinned is first.knowledge

    seen, errors = [], []

    def ask():
        try:
            snapshot = kb.published()
            seen.append((snapshot.version, {p.id for p in snapshot.knowledge.plans},
                         {c.plan for c in snapshot.searcher.chunks}))
        except Exception as error:     # noqa: BLE001 — reported below
            errors.append(error)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert len({version for version, _, _ in seen}) == 1 and seen[0][0] == index_version()
    for _, plan_ids, chunk_plans in seen:
        assert "lam-dong-2026" in plan_ids and "lam-dong-2026" in chunk_plans
    hits = kb.searcher().search("mạng truyền số liệu chuyên dùng đã kết nối với 142 đường truyền", k=5)
    assert "lam-dong-2026" in [hit.plan for hit in hits]
    assert {hit.plan for hit in kb.searcher().search("Lâm Đồng dùng chung hạ tầng", k=3)} == {"lam-dong-2026"}

    # the router answers the new province from its plan (Rasa's part, the intent, given)
    from actions.router import Turn, route
    reply = route(Turn(text=LAM_DONG_QUESTION, intent="ask_target", entities=[]))
    assert reply.kind == "target" and "80" in reply.text, reply
    assert reply.sources[0]["province"] == "Lâm Đồng" and reply.sources[0]["plan"] == "lam-dong-2026"

    # removed: "no plan" for that province again
    publish.remove("lam-dong-2026")
    reply = route(Turn(text=LAM_DONG_QUESTION, intent="ask_target", entities=[]))
    assert reply.kind == "no_plan", reply
