"""Facts about a plan as a document: number, date, signer, status, legal bases,
funding, reporting regime, what it says about 2G and VTCI."""
import re

from actions import knowledge_base as kb
from actions.answers.places import plan_reference
from actions.phrases import say
from actions.reply import Reply, plan_source, record_source, short_section
from actions.understanding import Question, find_document_field, own_words
from index.plans import PlanInfo
from core import knowledge
from core.text import fold
from core.vocabulary import phrase_text

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


def _reference_settings() -> dict:
    return knowledge.load("document_fields.yml")


def asks_reference(question: Question) -> bool:
    """The question asks which document the plan refers to on some subject."""
    settings = _reference_settings()
    folded = phrase_text(question.text)

    def names(phrases) -> bool:
        return any(f" {' '.join(phrase_text(p).split())} " in folded for p in phrases)

    numbered = any(w.isdigit() and not re.fullmatch(r"20\d\d", w) for w in folded.split())
    return names(settings["reference_cues"]) and (names(settings["reference_documents"]) or numbered) \
        and bool(subject_words(question))


def subject_words(question: Question) -> list[str]:
    """The question's words, in order, that say what the referenced document is about:
    without the cue words, the stopwords and the places."""
    text = phrase_text(question.text)
    stop_phrases = knowledge.load("query_words.yml")["stopwords"]
    for phrase in sorted([*_reference_settings()["reference_noise"], *stop_phrases], key=len, reverse=True):
        text = text.replace(f" {' '.join(phrase_text(phrase).split())} ", "  ")
    for place in question.places:
        text = text.replace(f" {' '.join(phrase_text(place.name).split())} ", "  ")
        for word in phrase_text(place.name).split():
            text = text.replace(f" {word} ", "  ")
    words = text.split()
    # One word ("quy") says too little to tell one document from another.
    return words if len(words) >= MIN_SUBJECT_WORDS or any(w.isdigit() for w in words) else []


MIN_SUBJECT_WORDS = 2


def _pairs(words: list[str]) -> set[tuple[str, str]]:
    return set(zip(words, words[1:]))


def _match(subject: list[str], clause_text: str, references: list[str]) -> float:
    """Share of the subject in the clause: words and consecutive word pairs; a number
    of the question that is a referenced document's number matches at once."""
    words = phrase_text(clause_text).split()
    numbers = [w for w in subject if w.isdigit()]
    if numbers and any(phrase_text(r).split()[2:3] == [n] for r in references for n in numbers):
        return 1.0
    unigram = len(set(subject) & set(words)) / len(set(subject))
    pairs = _pairs(subject)
    if not pairs:
        return unigram
    return (unigram + len(pairs & _pairs(words)) / len(pairs)) / 2


MAX_REFERENCES = 3


def _distinct(chosen: list) -> list:
    """One clause per set of referenced documents (a resolution cited twice is cited once)."""
    seen, kept = set(), []
    for score, clause in chosen:
        key = frozenset(clause.references)
        if not key <= seen:
            kept.append((score, clause))
        seen |= key
    return kept


def _prefer_kind(question: Question, chosen: list) -> list:
    """"nghị quyết nào ...?": the clauses citing a resolution, when there are some."""
    kinds = [k for k in knowledge.load("document_fields.yml")["reference_kinds"] if fold(k) in fold(question.text)]
    kinds = [k for k in kinds if k != "kế hoạch"] or kinds          # "kế hoạch" also names the plan itself
    if not kinds:
        return chosen
    narrowed = [(s, c) for s, c in chosen if any(fold(r).startswith(fold(k)) for r in c.references for k in kinds)]
    return narrowed or chosen
REFERENCE_CHARS = 260


def _subject_label(question: Question, subject: list[str]) -> str:
    """The subject as the user wrote it (with its diacritics)."""
    tokens = re.findall(r"[\w/&-]+", question.text)
    folded = [" ".join(phrase_text(t).split()) for t in tokens]
    for start in [i for i, word in enumerate(folded) if subject and word == subject[0]]:
        kept, at = [], start
        for word in subject:
            while at < len(folded) and folded[at] != word:
                at += 1
            if at == len(folded):
                break
            kept.append(tokens[at])
            at += 1
        if len(kept) == len(subject):
            return " ".join(kept)
    return " ".join(subject)


def _clause_excerpt(text: str, reference: str) -> str:
    if len(text) <= REFERENCE_CHARS:
        return text
    at = max(0, text.find(reference.split(" số ")[-1]) - REFERENCE_CHARS // 2)
    start = text.find(" ", at) + 1 if at else 0
    window = text[start:start + REFERENCE_CHARS].rsplit(" ", 1)[0]
    return ("… " if start else "") + window + " …"


def answer_references(question: Question, plan_ids: tuple[str, ...]) -> Reply:
    """The clauses of each plan that refer to a document on the question's subject,
    anywhere in the text; or, for a plan that names none, that it names none."""
    subject = subject_words(question)
    minimum = float(_reference_settings()["reference_min_match"])
    blocks, sources = [], []
    for plan_id in plan_ids:
        header = plan_reference(plan_id)
        scored = [(_match(subject, c.text, c.references), c) for c in kb.plan_clauses(plan_id) if c.references]
        chosen = sorted([(score, c) for score, c in scored if score >= minimum], key=lambda sc: -sc[0])
        chosen = _prefer_kind(question, _distinct(chosen))[:MAX_REFERENCES]
        if not chosen:
            blocks.append(say("utter_reference_none", plan=header, subject=_subject_label(question, subject)))
            sources.append(_preamble_source(plan_id))
            continue
        lines = [say("utter_reference_heading", plan=header)]
        for _, clause in chosen:
            lines.append("• " + say("utter_reference_line", text=_clause_excerpt(clause.text, clause.references[0]),
                                    section=short_section(clause.section)))
            sources.append(record_source(clause))
        blocks.append("\n".join(lines))
    context = {"intent": "ask_document", "plan_ids": list(plan_ids), "field": "reference"}
    return Reply("document", "\n\n".join(blocks), sources, context=context)


def answer_document(question: Question, plan_ids: tuple[str, ...]) -> Reply:
    if asks_reference(question):
        return answer_references(question, plan_ids)
    # The message's own words first: "kinh phí lấy từ đâu?" after "do ai ký?" asks the
    # funding, not the signer again; the topic's words only when it names no field.
    field = find_document_field(own_words(question.text), kb.document_fields()) or \
        find_document_field(question.text, kb.document_fields())
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
