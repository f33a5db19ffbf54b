"""Facts about a plan as a document: number, date, signer, status, legal bases,
funding, reporting regime, what it says about 2G and VTCI."""
import re

from actions import knowledge_base as kb
from actions.answers.places import plan_reference
from actions.phrases import say
from actions.reply import Reply, plan_source, record_source, short_section
from actions.understanding import Question, find_document_field
from index.plans.catalog import PlanInfo
from core import knowledge
from core.text import fold

_CATALOGUE_FIELDS = ("signer", "number", "date", "status", "period")


def _date_text(value: str) -> str:
    """"2023-12-26" → "ngày 26/12/2023"; "2023-10" and "2024" say what the document leaves out."""
    parts = value.split("-")
    if len(parts) == 3:
        return say("utter_date_full", day=int(parts[2]), month=int(parts[1]), year=parts[0])
    if len(parts) == 2:
        return say("utter_date_month", month=int(parts[1]), year=parts[0])
    return say("utter_date_year", year=parts[0]) if value else say("utter_date_none")


def _status_text(info: PlanInfo) -> str:
    return say("utter_status_draft" if info.status == "draft" else "utter_status_issued")


def _catalogue_line(info: PlanInfo, field: str) -> str:
    if field == "signer":
        if info.signer:
            return say("utter_doc_signer", signer=info.signer, title=info.signer_title)
        return say("utter_doc_no_signer")
    if field == "number":
        return say("utter_doc_number", number=info.number) if info.number else say("utter_doc_no_number")
    if field == "date":
        return say("utter_doc_date", date=_date_text(info.date))
    if field == "status":
        return say("utter_doc_status", status=_status_text(info))
    return say("utter_doc_period", period=info.period)


def _summary(info: PlanInfo) -> list[str]:
    return [say("utter_doc_title", title=info.title), *(_catalogue_line(info, field) for field in _CATALOGUE_FIELDS)]


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
        wanted = [k for k in knowledge.load("document_fields.yml")["reference_kinds"] if fold(k) in fold(question)]
        if wanted:
            narrowed = [f for f in facts if any(r.lower().startswith(wanted[0]) for r in f.references)]
            facts = narrowed or facts
    return facts


def _fact_lines(facts) -> list[str]:
    openers = "|".join(map(re.escape, knowledge.load("document_fields.yml")["quoted_openers"]))
    opener = re.compile(rf"^({openers})\s+")
    return [f"• {opener.sub('', f.text)} ({short_section(f.section)})" for f in facts]


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
            lines = _fact_lines(facts) or [say("utter_doc_field_absent")]
            sources += [record_source(f) for f in facts] or [_preamble_source(plan_id)]
        blocks.append("\n".join([say("utter_doc_heading", plan=header), *lines]))
    context = {"intent": "ask_document", "plan_ids": list(plan_ids), "field": field}
    return Reply("document", "\n\n".join(blocks), sources, context=context)
