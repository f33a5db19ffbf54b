"""Duties of agencies in the plans ("Tổ chức thực hiện"), deadlines first."""
from actions import knowledge_base as kb
from actions.answers.places import plan_label
from actions.phrases import say
from actions.reply import Reply, record_source, short_section
from actions.understanding import Question, stopwords
from index.plans.duties import DutyRecord
from core.vocabulary import agencies, agency_by_id, agency_changes, phrase_text

MAX_DUTIES = 8          # per agency and plan; the rest is one click away in the source
MAX_GROUP_DUTIES = 3    # of a group heading that also binds the agency ("Các sở, ban, ngành")


def _covering(agency_id: str) -> set[str]:
    """Group headings whose duties also bind this agency ("Các sở, ban, ngành ...")."""
    groups = {a.id for a in agencies() if agency_id in a.covers}
    if agency_id.startswith("dept_"):
        groups |= {a.id for a in agencies() if "provincial_departments" in a.covers} | {"provincial_departments"}
    return groups


def successor_note(label: str) -> str:
    """"Sở Thông tin và Truyền thông" → what became of it in 2025, from the data."""
    for change in agency_changes(label)[:1]:
        if change["change"] == "abolished":
            return change["note"]
        return say("utter_agency_renamed", new=change["new"], note=change["note"])
    return ""


def _relevance(duty, focus: set[str]) -> int:
    return len(focus & set(phrase_text(" ".join([duty.text, *duty.items])).split()))


def _duty_lines(record: DutyRecord, focus: set[str] = frozenset()) -> list[str]:
    """Duties with a deadline first, then those sharing most words with the question
    ("... phải báo cáo khi nào?" puts the reporting duty on top), then plan order."""
    ordered = sorted(record.duties, key=lambda duty: (not duty.deadlines, -_relevance(duty, focus)))
    lines = []
    for duty in ordered[:MAX_DUTIES]:
        line = duty.text
        if duty.items:
            line += " " + "; ".join(item.rstrip(".;") for item in duty.items) + "."
        if duty.deadlines:
            line = say("utter_duty_deadline", deadlines="; ".join(duty.deadlines), duty=line)
        lines.append(f"• {line}")
    if len(record.duties) > MAX_DUTIES:
        lines.append("• " + say("utter_duty_more", count=len(record.duties) - MAX_DUTIES,
                                section=short_section(record.section)))
    return lines


def _records_for(plan_id: str, agency_id: str) -> tuple[list[DutyRecord], list[DutyRecord]]:
    records = [r for r in kb.plans().duties if r.plan == plan_id]
    own = [r for r in records if r.agency == agency_id]
    groups = [r for r in records if r.agency in _covering(agency_id) and r not in own]
    return own, groups


def _focus(question: Question) -> set[str]:
    """The question's words that say what about the agency is asked: without the words
    naming the agency, the place, and the generic "nhiệm vụ / phải làm gì"."""
    agency = agency_by_id(question.agencies[0]) if question.agencies else None
    noise = set(phrase_text(" ".join([*(agency.ask if agency else ()), agency.name if agency else "",
                                      *(p.name for p in question.places)])).split())
    return set(phrase_text(question.text).split()) - noise - stopwords()


MAX_MENTIONS = 3
MENTION_CHARS = 300


def _shorten(text: str) -> str:
    return text if len(text) <= MENTION_CHARS else text[:MENTION_CHARS].rsplit(" ", 1)[0] + " …"


def _mentions(plan_id: str, agency_id: str) -> list[tuple[DutyRecord, str]]:
    """Duties of other agencies that name this one ("Sở TT&TT chỉ đạo, hướng dẫn các
    doanh nghiệp viễn thông ..."): what the plan says about an agency without a section."""
    agency = agency_by_id(agency_id)
    phrases = [" ".join(phrase_text(p).split()) for p in (*agency.ask, agency.name)]
    found = []
    for record in kb.plans().duties:
        if record.plan != plan_id or record.agency == agency_id:
            continue
        for duty in record.duties:
            text = " ".join([duty.text, *duty.items])
            if any(phrase and f" {phrase} " in phrase_text(text) for phrase in phrases):
                found.append((record, _shorten(text)))
    return found[:MAX_MENTIONS]


def _plan_block(plan_id: str, agency_id: str, focus: set[str]) -> tuple[str, list[DutyRecord]]:
    own, groups = _records_for(plan_id, agency_id)
    name = agency_by_id(agency_id).name
    header = f"{plan_label(plan_id)[:1].upper() + plan_label(plan_id)[1:]}"
    lines = []
    if own:
        for record in own:
            lines.append(say("utter_duty_heading", header=header, agency=record.agency_label,
                             section=short_section(record.section)))
            lines += _duty_lines(record, focus)
            if note := successor_note(record.agency_label):
                lines.append(say("utter_duty_successor", note=note))
    else:
        lines.append(say("utter_duty_no_own_section", header=header, agency=name))
        mentions = _mentions(plan_id, agency_id)
        if mentions:
            lines.append(say("utter_duty_mentioned_by_others", agency=name))
            lines += ["• " + say("utter_duty_mention", agency=record.agency_label,
                                 section=short_section(record.section), text=text) for record, text in mentions]
            own = [record for record, _ in mentions]     # cited first: the answer rests on them
    for record in groups:
        lines.append(say("utter_duty_group_heading", agency=record.agency_label,
                         section=short_section(record.section)))
        lines += _duty_lines(record, focus)[:MAX_GROUP_DUTIES]
    return "\n".join(lines), own + groups


def plans_with(agency_id: str, plan_ids) -> list[str]:
    return [p for p in plan_ids if any(r.plan == p and r.agency == agency_id for r in kb.plans().duties)]


def answer_duties(question: Question, plan_ids: tuple[str, ...]) -> Reply:
    agency_id = question.agencies[0]
    blocks, used = [], []
    focus = _focus(question)
    for plan_id in plan_ids:
        text, records = _plan_block(plan_id, agency_id, focus)
        blocks.append(text)
        used += records
    return Reply("duty", "\n\n".join(blocks), [record_source(r) for r in used],
                 context={"intent": "ask_duty", "plan_ids": list(plan_ids), "agencies": question.agencies})


def answer_deadlines(question: Question, plan_ids: tuple[str, ...]) -> Reply | None:
    """"Doanh nghiệp viễn thông phải gửi kế hoạch trước ngày nào?": the duties of that
    agency that carry a deadline, in every plan that sets one."""
    agency_id = question.agencies[0]
    found = [(r, d) for r in kb.plans().duties if r.plan in plan_ids and r.agency == agency_id
             for d in r.duties if d.deadlines]
    if not found:
        return None
    lines = ["• " + say("utter_deadline_line", province=r.province, section=short_section(r.section),
                        deadlines="; ".join(d.deadlines), duty=d.text) for r, d in found]
    others = [kb.province_of(p) for p in plan_ids if p not in {r.plan for r, _ in found}]
    text = "\n".join([say("utter_deadlines_heading", agency=agency_by_id(agency_id).name.lower()), *lines])
    if others:
        text += "\n" + say("utter_deadlines_none_in", provinces=", ".join(others))
    return Reply("duty", text, [record_source(r) for r, _ in found],
                 context={"intent": "ask_duty", "plan_ids": list(plan_ids), "agencies": question.agencies})


def agencies_of(plan_id: str) -> Reply:
    """No agency named: list the plan's agencies as buttons."""
    records = [r for r in kb.plans().duties if r.plan == plan_id]
    province = kb.province_of(plan_id)
    buttons = [{"title": r.agency_label[:60],
                "payload": say("utter_agency_duty_payload", agency=agency_by_id(r.agency).name, province=province)}
               for r in records][:8]
    names = "; ".join(r.agency_label for r in records)
    text = say("utter_agencies_of_plan", province_label=plan_label(plan_id), agencies=names)
    return Reply("clarify", text, [record_source(records[0])] if records else [], buttons,
                 context={"intent": "ask_duty", "plan_ids": [plan_id]})
