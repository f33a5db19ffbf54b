"""`python -m index preview FILE [--json]`: what a plan file would give, without
publishing it: the catalogue fields proposed from its header, who issued it and its
kind, its sections, chunks, target and status values, duties, the warnings and, line by
line, what was read and what was not (index/plans/checks.py), in Vietnamese.

JSON shape (facts and duties in the shapes of `index show facts|duties --json`):
    {"catalog": {id, file, province, title, number, date, period, status, signer,
                 signer_title},
     "header": {issuer, level, commune, kind},
     "sections": N, "chunks": N, "facts": [...], "duties": [...], "warnings": [...],
     "lines": [{line, page, mark: "đọc" | "chưa đọc" | "mục", text, said}],
     "document": {"kind": "txt|docx|pdf|pdf-ocr", "pages": N, "seconds": s,
                  "ocr_confidence": {page: 0–100}, "removed": [header/footer lines]}}
Errors: PlanParseError (unreadable file, no numbered sections), reported by `run`.
"""
import json
import sys
import time
from pathlib import Path

from index.plans.catalog import PlanInfo
from index.plans.checks import line_report, plan_warnings
from index.plans.document_header import propose_catalog, read_header
from index.plans.duties import extract_duties
from index.plans.readers import PlanParseError, read_document
from index.plans.sections import parse_plan
from index.plans.values import extract_values
from index.retrieval.chunks import chunk_plan


def preview(path: Path, catalog: dict | None = None) -> dict:
    """The preview of one plan file; `catalog` overrides the proposed fields (the
    operator's corrections). Raises PlanParseError."""
    started = time.perf_counter()
    document = read_document(path)
    fields = propose_catalog(document.text, path.name)
    fields.update({key: str(value) for key, value in (catalog or {}).items() if key in fields})
    plan = parse_plan(document.text, PlanInfo(**fields), document.pages)
    values = extract_values(plan)
    duties = extract_duties(plan)
    chunks = chunk_plan(plan)
    return {
        "catalog": fields,
        "header": read_header(document.text),
        "sections": sum(1 for _ in plan.sections()),
        "chunks": len(chunks),
        "facts": [value.as_dict() for value in values],
        "duties": [duty.as_dict() for duty in duties],
        "warnings": plan_warnings(plan, values, document),
        "lines": line_report(plan, values, duties),
        "document": {"kind": document.kind, "pages": document.page_count,
                     "seconds": round(time.perf_counter() - started, 2),
                     "ocr_confidence": document.ocr_confidence, "removed": document.removed},
    }


_FIELD_NAMES = {"id": "mã", "file": "tệp", "province": "tỉnh", "title": "tên", "number": "số", "date": "ngày",
               "period": "giai đoạn", "status": "tình trạng", "signer": "người ký", "signer_title": "chức vụ",
               "issuer": "cơ quan ban hành", "level": "cấp", "commune": "xã/phường", "kind": "loại kế hoạch"}
_STATUS_WORDS = {"issued": "đã ban hành", "draft": "dự thảo"}


def _table(result: dict) -> str:
    fields = {**result["catalog"], **result.get("header", {})}
    lines = [f"{_FIELD_NAMES.get(key, key):<17} {_STATUS_WORDS.get(value, value) if key == 'status' else value or '(trống)'}"
             for key, value in fields.items()]
    document = result["document"]
    lines.append(f"{'tệp đọc':<17} {document['kind']}, {document['pages']} trang, trong {document['seconds']} s")
    lines.append(f"{'đã đọc':<17} {result['sections']} mục, {result['chunks']} đoạn tìm kiếm, "
                 f"{len(result['facts'])} chỉ tiêu/hiện trạng, {len(result['duties'])} cơ quan")
    lines.append("")
    lines.append("Từng dòng (✓ đã đọc, ✗ chưa đọc, § mục):")
    marks = {"đọc": "✓", "chưa đọc": "✗", "mục": "§"}
    for row in result.get("lines", []):
        page = f" tr.{row['page']}" if row["page"] else ""
        lines.append(f"  {marks[row['mark']]} dòng {row['line']}{page}: {row['text'][:90]}")
        lines.append(f"      → {row['said']}")
    lines.append("")
    lines += [f"cảnh báo: {warning}" for warning in result["warnings"]] or ["Không có cảnh báo."]
    return "\n".join(lines)


def run(path: str, as_json: bool) -> int:
    try:
        result = preview(Path(path))
    except PlanParseError as error:
        if as_json:
            print(json.dumps({"error": str(error)}, ensure_ascii=False))
        print(f"lỗi: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False, indent=1) if as_json else _table(result))
    return 0
