"""`python -m index preview FILE [--json]`: what a plan file would give, without
publishing it: the catalogue fields proposed from its header, its sections, chunks,
target and status values, duties and the warnings (index/plans/checks.py).

JSON shape (facts and duties in the shapes of `index show facts|duties --json`):
    {"catalog": {id, file, province, title, number, date, period, status, signer,
                 signer_title},
     "sections": N, "chunks": N, "facts": [...], "duties": [...], "warnings": [...],
     "document": {"kind": "txt|docx|pdf|pdf-ocr", "pages": N, "seconds": s,
                  "ocr_confidence": {page: 0–100}, "removed": [header/footer lines]}}
Errors: PlanParseError (unreadable file, no numbered sections), reported by `run`.
"""
import json
import sys
import time
from pathlib import Path

from index.plans.catalog import PlanInfo
from index.plans.checks import plan_warnings
from index.plans.document_header import propose_catalog
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
        "sections": sum(1 for _ in plan.sections()),
        "chunks": len(chunks),
        "facts": [value.as_dict() for value in values],
        "duties": [duty.as_dict() for duty in duties],
        "warnings": plan_warnings(plan, values, document),
        "document": {"kind": document.kind, "pages": document.page_count,
                     "seconds": round(time.perf_counter() - started, 2),
                     "ocr_confidence": document.ocr_confidence, "removed": document.removed},
    }


def _table(result: dict) -> str:
    catalog = result["catalog"]
    lines = [f"{key:<13} {value or '(trống)'}" for key, value in catalog.items()]
    document = result["document"]
    lines.append(f"{'tệp':<13} {document['kind']}, {document['pages']} trang, đọc trong {document['seconds']} s")
    lines.append(f"{'mục':<13} {result['sections']}   đoạn: {result['chunks']}   "
                 f"chỉ tiêu: {len(result['facts'])}   cơ quan: {len(result['duties'])}")
    for value in result["facts"]:
        page = f" trang {value['page']}" if value["page"] else ""
        lines.append(f"  {value['kind']:<7} {value['year'] or '':<5} {value['indicator'] or '?':<40} "
                     f"{value['qualifier']} {value['value']:g} {value['unit']}  (dòng {value['line']}{page})")
    for duty in result["duties"]:
        lines.append(f"  {duty['agency_label'][:70]} — {len(duty['duties'])} nhiệm vụ")
    lines += [f"cảnh báo: {warning}" for warning in result["warnings"]]
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
