"""The retrieval index: chunking, persistence, incremental rebuilds, search, the CLI.

These use the real rebuilt e5 model and the real index (`make model`, `python -m index
build`); the retrieval quality gate over a question set is in test_retrieval_questions.py.
"""
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from core.settings import PROJECT_ROOT
from index.plans.sections import load_plans
from index.retrieval.chunks import MAX_CHARS, chunk_plan
from index.retrieval.search import Searcher, load_searcher
from index.retrieval.store import IndexNotReady, build, build_dir, load_stored


@pytest.fixture(scope="module")
def searcher():
    build()                         # no-op when the index is up to date
    return load_searcher()


def test_chunks_never_span_sections_and_carry_their_context():
    plans, _ = load_plans()
    for plan in plans:
        anchors = {section.anchor: section for section in plan.sections()}
        for chunk in chunk_plan(plan):
            section = anchors[chunk.anchor]
            body = "\n".join(line.text for line in section.lines)
            for piece in chunk.text.splitlines():
                content = re.sub(r"^(- )?([\wđ.]{1,6}[.)] )?", "", piece)    # bullet, "a)", "1."
                assert content[:40] in body, (chunk.id, piece)
            assert len(chunk.text) <= MAX_CHARS
            assert chunk.indexed_text.startswith(f"Tỉnh {plan.info.province} — ")
            assert section.path_text in chunk.indexed_text


@pytest.mark.parametrize("query, province, anchor", [
    ("Mục tiêu tốc độ băng rộng cố định của Tuyên Quang năm 2025", "Tuyên Quang", "s-phai-iii-2-1-2"),
    ("muc tieu toc do bang rong co dinh tuyen quang nam 2025", "Tuyên Quang", "s-phai-iii-2-1-2"),
    ("Sở Xây dựng Hậu Giang có nhiệm vụ gì", "Hậu Giang", "s-vi-4"),
    ("so xay dung hau giang co nhiem vu gi", "Hậu Giang", "s-vi-4"),
    ("Đài Phát thanh và Truyền hình Hậu Giang tuyên truyền", "Hậu Giang", "s-vi-10"),
    ("kinh phi thuc hien ke hoach tien giang", "Tiền Giang", "s-v"),
    ("Tiền Giang báo cáo kết quả thực hiện kế hoạch định kỳ trước ngày nào", "Tiền Giang", "s-vii"),
    ("Đồng Nai: Sở Tài chính quyết toán dự án", "Bình Phước", "s-v-2-3"),
])
def test_search_puts_the_right_province_and_section_first(searcher, query, province, anchor):
    hits = searcher.search(query, k=5)
    assert hits, query
    assert (hits[0].province, hits[0].anchor) == (province, anchor), [(h.province, h.section) for h in hits]


def test_search_filters_by_the_province_named_old_or_new(searcher):
    for query, plans in [("Đồng Tháp dùng chung BTS", {"tien-giang"}),
                         ("Cần Thơ dùng chung BTS", {"soc-trang", "hau-giang"}),
                         ("dung chung BTS", None)]:
        found = {hit.plan for hit in searcher.search(query, k=10)}
        if plans is None:
            assert len(found) >= 3
        else:
            assert found <= plans and found, (query, found)
    assert searcher.search("mục tiêu của Hà Nội", k=5) == []
    assert {h.plan for h in searcher.search("dùng chung BTS", k=5, province="tien giang")} == {"tien-giang"}


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_empty_query_gives_no_hits(searcher, query):
    assert searcher.search(query) == []


def _cli(*args, stdin=None, env=None):
    return subprocess.run([sys.executable, "-m", "index", *args], cwd=PROJECT_ROOT, input=stdin,
                          capture_output=True, text=True, timeout=180,
                          env={**os.environ, **(env or {})})


def test_cli_search_json_and_batch(searcher):
    result = _cli("search", "toc do bang rong di dong soc trang", "--k", "3", "--json")
    hits = json.loads(result.stdout)
    assert result.returncode == 0 and len(hits) == 3
    assert {"province", "document", "section", "heading", "text", "score"} <= hits[0].keys()
    assert hits[0]["province"] == "Sóc Trăng"

    batch = _cli("search", "--k", "2", stdin="tỷ lệ dùng chung BTS Bình Phước\n   \nkinh phí Hậu Giang\n")
    lines = batch.stdout.strip().splitlines()
    assert [len(json.loads(line)) for line in lines] == [2, 0, 2]
    assert "câu hỏi trống" in batch.stderr


def test_cli_empty_query_is_a_message_not_an_exception():
    result = _cli("search", "   ", "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout) == []
    assert "câu hỏi trống" in result.stderr and "Traceback" not in result.stderr


def test_an_index_built_with_another_model_is_refused(tmp_path, searcher):
    """Same weights under another name still count as another model: the index records
    which model built it, and queries must come from the same one."""
    other = tmp_path / "other-model"
    shutil.copytree(PROJECT_ROOT / "var" / "models" / "multilingual-e5-small", other,
                    ignore=shutil.ignore_patterns("model.safetensors"))
    (other / "model.safetensors").symlink_to(PROJECT_ROOT / "var" / "models" / "multilingual-e5-small"
                                             / "model.safetensors")
    result = _cli("search", "dùng chung BTS", env={"HTS_EMBEDDING_MODEL": str(other)})
    assert result.returncode == 1
    assert "was built with embedding model" in result.stderr and "Traceback" not in result.stderr


def test_missing_or_corrupt_index_is_reported_clearly(tmp_path):
    with pytest.raises(IndexNotReady, match="no index"):
        Searcher(directory=tmp_path / "nothing")
    for name in ("manifest.json", "chunks.jsonl", "embeddings.npy", "dense.faiss"):
        shutil.copy(build_dir() / name, tmp_path / name)
    (tmp_path / "dense.faiss").write_bytes(b"not a faiss index")
    with pytest.raises(IndexNotReady, match="unreadable"):
        Searcher(directory=tmp_path)
    (tmp_path / "chunks.jsonl").write_text('{"broken": true}\n', encoding="utf-8")
    with pytest.raises(IndexNotReady, match="missing or corrupt"):
        load_stored(tmp_path)


def test_rebuild_touches_only_what_changed(tmp_path, monkeypatch, searcher):
    """Like hash-based re-indexing: an edited plan re-embeds its changed chunks only,
    a deleted plan drops out, an added one is embedded, nothing changed → no work."""
    plans_dir, index_dir = tmp_path / "plans", tmp_path / "build"
    shutil.copytree(PROJECT_ROOT / "data" / "plans", plans_dir)
    shutil.copytree(build_dir(), index_dir)
    monkeypatch.setenv("HTS_INDEX_PLANS_DIR", str(plans_dir))

    assert build(directory=index_dir).skipped

    edited = plans_dir / "hau-giang.txt"
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        "Tỷ lệ dùng chung cống bể cáp đạt 10%", "Tỷ lệ dùng chung cống bể cáp đạt 15%"), encoding="utf-8")
    report = build(directory=index_dir)
    assert report.changed_plans == ["hau-giang"]
    assert report.embedded_chunks == 1 and report.reused_chunks == load_stored(index_dir).manifest["chunks"] - 1

    catalog = plans_dir / "catalog.yml"
    text = catalog.read_text(encoding="utf-8")
    start = text.index("  - id: binh-phuoc")
    catalog.write_text(text[:start], encoding="utf-8")
    report = build(directory=index_dir)
    assert report.removed_plans == ["binh-phuoc"] and report.embedded_chunks == 0
    assert "binh-phuoc" not in {c.plan for c in load_stored(index_dir).chunks}

    catalog.write_text(text, encoding="utf-8")
    report = build(directory=index_dir)
    assert report.changed_plans == ["binh-phuoc"]
    stored = load_stored(index_dir)
    assert sum(c.plan == "binh-phuoc" for c in stored.chunks) == stored.manifest["plans"]["binh-phuoc"]["chunks"]
    hits = Searcher(directory=index_dir, embedder=searcher.embedder).search("dùng chung cống bể cáp Hậu Giang", k=3)
    assert any("15%" in hit.text for hit in hits)
