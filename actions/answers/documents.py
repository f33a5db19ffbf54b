"""Facts about a plan as a document: number, date, signer, status, legal bases,
funding, reporting regime, what it says about 2G and VTCI."""
import re

from actions import knowledge_base as kb
from actions.answers.places import plan_reference
from actions.reply import Reply, plan_source, record_source, short_section
from actions.understanding import Question, find_document_field
from index.plans.catalog import PlanInfo
from core.text import fold

_REFERENCE_KINDS = ("nghị quyết", "quyết định", "công văn", "tờ trình", "thông tư", "chỉ thị", "kế hoạch")
_CATALOGUE_FIELDS = ("signer", "number", "date", "status", "period")


def _date_text(value: str) -> str:
    parts = value.split("-")
    if len(parts) == 3:
        return f"ngày {int(parts[2])}/{int(parts[1])}/{parts[0]}"
    if len(parts) == 2:
        return f"tháng {int(parts[1])}/{parts[0]} (văn bản không ghi ngày)"
    return f"năm {parts[0]} (văn bản không ghi ngày, tháng)" if value else "văn bản không ghi ngày"


def _status_text(info: PlanInfo) -> str:
    return "bản dự thảo (chưa ký ban hành)" if info.status == "draft" else "bản đã ký ban hành"


def _catalogue_line(info: PlanInfo, field: str) -> str:
    if field == "signer":
        if info.signer:
            return f"Người ký: {info.signer} ({info.signer_title})."
        return "Bản trong dữ liệu là dự thảo, chưa có người ký."
    if field == "number":
        return f"Số hiệu: {info.number}." if info.number else "Bản trong dữ liệu chưa ghi số hiệu (để trống)."
    if field == "date":
        return f"Thời gian: {_date_text(info.date)}."
    if field == "status":
        return f"Tình trạng: {_status_text(info)}."
    return f"Giai đoạn: {info.period}."


def _summary(info: PlanInfo) -> list[str]:
    return [f"Tên: {info.title}.", *(_catalogue_line(info, field) for field in _CATALOGUE_FIELDS)]


def _end_source(plan_id: str) -> dict:
    """The signature block: cited for the signer and the status."""
    plan = kb.plans().plan(plan_id)
    sections = [s for s in plan.sections() if s.style == "end"] or list(plan.sections())
    section = sections[-1]
    return plan_source(plan.info.province, plan.info.document, section.path_text, plan.id, section.anchor)


def _preamble_source(plan_id: str) -> dict:
    plan = kb.plans().plan(plan_id)
    section = next(iter(plan.sections()))
    return plan_source(plan.info.province, plan.info.document, section.path_text, plan.id, section.anchor)


def _facts(plan_id: str, kind: str, question: str) -> list:
    facts = [f for f in kb.plans().document_facts if f.plan == plan_id and f.kind == kind]
    if kind == "legal_basis":
        wanted = [k for k in _REFERENCE_KINDS if fold(k) in fold(question)]
        if wanted:
            narrowed = [f for f in facts if any(r.lower().startswith(wanted[0]) for r in f.references)]
            facts = narrowed or facts
    return facts


_OPENER = re.compile(r"^(Căn cứ|Thực hiện)\s+")


def _fact_lines(facts) -> list[str]:
    return [f"• {_OPENER.sub('', f.text)} ({short_section(f.section)})" for f in facts]


def answer_document(question: Question, plan_ids: tuple[str, ...]) -> Reply:
    field = find_document_field(question.text, kb.document_fields())
    blocks, sources = [], []
    for plan_id in plan_ids:
        info = kb.plans().plan(plan_id).info
        header = plan_reference(plan_id)
        header = header[:1].upper() + header[1:]
        if field in _CATALOGUE_FIELDS or not field:
            lines = [_catalogue_line(info, field)] if field else _summary(info)
            sources.append(_end_source(plan_id) if field in ("signer", "status") else _preamble_source(plan_id))
        else:
            facts = _facts(plan_id, field, question.text)
            lines = _fact_lines(facts) or ["Kế hoạch không có nội dung này."]
            sources += [record_source(f) for f in facts] or [_preamble_source(plan_id)]
        blocks.append("\n".join([f"{header}:", *lines]))
    context = {"intent": "ask_document", "plan_ids": list(plan_ids), "field": field}
    return Reply("document", "\n\n".join(blocks), sources, context=context)
