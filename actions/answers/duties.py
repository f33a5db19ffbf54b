"""Duties of agencies in the plans ("Tổ chức thực hiện"), deadlines first."""
from actions import knowledge_base as kb
from actions.answers.places import plan_label
from actions.phrases import say
from actions.reply import Reply, cite, record_source, short_section
from actions.understanding import Question, own_words, stopwords
from index.plans import DutyRecord, best_matches, duty_words
from core.vocabulary import agencies, agencies_taking_over, agency_by_id, agency_changes, agency_for_label, agency_predecessors, phrase_text

MAX_DUTIES = 8          # per agency and plan; the rest is one click away in the source
MAX_GROUP_DUTIES = 3    # of a group heading that also binds the agency ("Các sở, ban, ngành")


def _covering(agency_id: str) -> set[str]:
    """Group headings whose duties also bind this agency ("Các sở, ban, ngành ...")."""
    groups = {a.id for a in agencies() if agency_id in a.covers}
    if agency_id.startswith("dept_"):
        groups |= {a.id for a in agencies() if "provincial_departments" in a.covers} | {"provincial_departments"}
    return groups


def _is_group(agency_id: str) -> bool:
    """A group of agencies ("Các sở, ban, ngành tỉnh"), not one agency."""
    return any(agency_id in a.covers or (a.id == agency_id and a.covers) for a in agencies())


def successor_note(label: str) -> str:
    """"Sở Thông tin và Truyền thông" → what became of it in 2025, from the data."""
    for change in agency_changes(label)[:1]:
        if change["change"] == "abolished":
            return change["note"]
        return say("utter_agency_renamed", new=change["new"], note=change["note"])
    return ""


def _relevance(duty, focus: set[str]) -> int:
    return len(focus & set(phrase_text(" ".join([duty.text, *duty.items])).split()))


def _clip(text: str, limit: int, keep: str = "") -> str:
    """`text` cut at a word to about `limit` characters; when `keep` (a deadline) is in
    it, the cut keeps it: the window moves to the sentence around it."""
    if len(text) <= limit:
        return text
    start = 0
    if keep and (at := text.find(keep)) >= 0 and at + len(keep) > limit - 2:
        sentence = text.rfind(". ", 0, at) + 2 if text.rfind(". ", 0, at) >= 0 else 0
        if at + len(keep) - sentence <= limit - 2:
            start = sentence
        else:
            start = text.find(" ", at + len(keep) - limit + 2) + 1
    window = text[start:start + limit]
    if start + limit < len(text):
        window = window.rsplit(" ", 1)[0] + " …"
    return ("… " if start else "") + window


def _duty_text(duty) -> str:
    text = duty.text
    if duty.items:
        text += " " + "; ".join(item.rstrip(".;") for item in duty.items) + "."
    return text


def _ordered(record: DutyRecord, focus: set[str]) -> list:
    """Duties with a deadline first, then those sharing most words with the question
    ("... phải báo cáo khi nào?" puts the reporting duty on top), then plan order."""
    return sorted(record.duties, key=lambda duty: (not duty.deadlines, -_relevance(duty, focus)))


def _duty_line(duty, limit: int = 0) -> str:
    line = _duty_text(duty)
    if limit:
        line = _clip(line, limit, duty.deadlines[0] if duty.deadlines else "")
    if duty.deadlines:
        line = say("utter_duty_deadline", deadlines="; ".join(duty.deadlines), duty=line)
    return f"• {line}"


def _fit(duties: list, budget: int) -> tuple[list[str], int]:
    """The duty lines that fit in `budget` characters (at least one), and how many are left."""
    lines, used = [], 0
    whole = [_duty_line(duty) for duty in duties[:MAX_DUTIES]]
    if len(duties) <= MAX_DUTIES and sum(len(line) + 1 for line in whole) <= budget * WHOLE_SLACK:
        return whole, 0             # a short section is shown whole
    for duty in duties[:MAX_DUTIES]:
        line = _duty_line(duty, LINE_CHARS)
        if lines and used + len(line) > budget:
            break
        lines.append(line)
        used += len(line) + 1
    return lines, len(duties) - len(lines)


def _duty_lines(record: DutyRecord, focus: set[str] = frozenset(), budget: int = 10_000,
                clipped: list | None = None) -> list[str]:
    """The duty lines that fit; a record whose duties did not all fit is added to `clipped`."""
    lines, left = _fit(_ordered(record, focus), budget)
    if left and clipped is not None:
        clipped.append(record)
    if left:
        lines.append("• " + say("utter_duty_more", count=left, section=_section_number(record)))
    return lines


def _records_for(plan_id: str, agency_id: str) -> tuple[list[DutyRecord], list[DutyRecord]]:
    records = [r for r in kb.plans().duties if r.plan == plan_id]
    own = [r for r in records if r.agency == agency_id]
    groups = [r for r in records if r.agency in _covering(agency_id) and r not in own]
    return own, groups


def _former_records(plan_id: str, agency_id: str) -> list[tuple[DutyRecord, dict]]:
    """Sections of the plan written for an agency merged into `agency_id` in 2025 ("Sở
    Thông tin và Truyền thông" for today's "Sở Khoa học và Công nghệ")."""
    found = []
    for old_id, change in agency_predecessors(agency_id):
        found += [(r, change) for r in kb.plans().duties if r.plan == plan_id and r.agency == old_id]
    return found


def _focus(question: Question) -> set[str]:
    """The question's words that say what about the agency is asked: without the words
    naming the agency, the place, and the generic "nhiệm vụ / phải làm gì"."""
    agency = agency_by_id(question.agencies[0]) if question.agencies else None
    noise = set(phrase_text(" ".join([*(agency.ask if agency else ()), agency.name if agency else "",
                                      *(p.name for p in question.places)])).split())
    return set(phrase_text(question.text).split()) - noise - stopwords()


MAX_MENTIONS = 3
MENTION_CHARS = 200
LINE_CHARS = 170        # one duty on a phone screen; the whole duty is one click away in the source
ALL_DUTIES_CHARS = 1800  # "Xem thêm" / "các nhiệm vụ khác": the whole list was asked for
WHOLE_SLACK = 1.3       # a section this much over the budget is still shown whole rather than clipped
ANSWER_CHARS = 450      # the duty lines of one plan's answer; the rest behind "Xem thêm"


def _shorten(text: str, keep: str = "") -> str:
    return _clip(text, MENTION_CHARS, keep)


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
                found.append((record, _shorten(text, duty.deadlines[0] if duty.deadlines else "")))
    return found[:MAX_MENTIONS]


def _section_number(record: DutyRecord) -> str:
    """"mục VI.7" (", trang 5" with pages): the heading already names the agency the
    section's title names."""
    return cite(record, titled=False)


def _more_button(record: DutyRecord) -> dict:
    """"Xem thêm": the duties of a group heading, asked as their own question."""
    return {"title": _title(say("utter_duty_more_button", agency=record.agency_label)),
            "payload": say("utter_agency_duty_payload", agency=agency_by_id(record.agency).name,
                           province=record.province)}


def _plan_block(plan_id: str, agency_id: str, focus: set[str],
                budget: int = ANSWER_CHARS) -> tuple[str, list[DutyRecord], list[dict]]:
    own, groups = _records_for(plan_id, agency_id)
    former = _former_records(plan_id, agency_id)
    name = agency_by_id(agency_id).name
    header = f"{plan_label(plan_id)[:1].upper() + plan_label(plan_id)[1:]}"
    lines, more, clipped = [], [], []
    for record in own:
        lines.append(say("utter_duty_heading", header=header, agency=record.agency_label,
                         section=_section_number(record)))
        lines += _duty_lines(record, focus, budget // max(1, len(own) + len(former)), clipped)
        if note := successor_note(record.agency_label):
            lines.append(say("utter_duty_successor", note=note))
    for record, change in former:
        # The plan was written before the 2025 merger: its duties for the former agency
        # are today's agency's.
        lines.append(say("utter_duty_former_heading", header=header, old=record.agency_label, new=name,
                         section=_section_number(record)))
        lines += _duty_lines(record, focus, budget // max(1, len(own) + len(former)), clipped)
    used = own + [record for record, _ in former]
    if not used:
        lines.append(say("utter_duty_no_own_section", header=header, agency=name))
        mentions = _mentions(plan_id, agency_id)
        if mentions and not (groups and _is_group(agency_id)):
            lines.append(say("utter_duty_mentioned_by_others", agency=name))
            used_chars = 0
            for number, (record, text) in enumerate(mentions):
                line = "• " + say("utter_duty_mention", agency=record.agency_label,
                                  section=_section_number(record), text=text)
                if number and used_chars + len(line) > budget:
                    mentions = mentions[:number]
                    break
                lines.append(line)
                used_chars += len(line)
            used = [record for record, _ in mentions]     # cited first: the answer rests on them
        elif groups:
            # Nothing else for the agency, or a group ("các sở, ban, ngành") that a wider
            # heading binds ("Các sở, ban, ngành tỉnh và UBND các huyện"): that heading's
            # duties are the answer, kept short.
            record = groups[0]
            lines.append(say("utter_duty_group_heading", agency=record.agency_label,
                             section=_section_number(record)))
            lines += _duty_lines(record, focus, budget, clipped)
            used, groups = [record], groups[1:]
    if clipped and budget < ALL_DUTIES_CHARS:
        # "Xem thêm": every duty of the agency in this plan, asked as a list.
        more.append({"title": _title(say("utter_duty_more_own_button")),
                     "payload": say("utter_duty_more_own_payload", agency=name, province=kb.province_of(plan_id))})
    for record in groups:
        more.append(_more_button(record))
    if more:
        lines.append(say("utter_duty_groups_more", sections=", ".join(
            _section_number(r) for r in groups)))
    return "\n".join(lines), used + groups, more


def plans_with(agency_id: str, plan_ids) -> list[str]:
    ids = {agency_id, *(old for old, _ in agency_predecessors(agency_id))}
    return [p for p in plan_ids if any(r.plan == p and r.agency in ids for r in kb.plans().duties)]


def answer_duties(question: Question, plan_ids: tuple[str, ...]) -> Reply:
    agency_id = question.agencies[0]
    blocks, used, more = [], [], []
    focus = _focus(question)
    budget = ALL_DUTIES_CHARS if question.wants("all_duties") else ANSWER_CHARS // len(plan_ids)
    for plan_id in plan_ids:
        text, records, buttons = _plan_block(plan_id, agency_id, focus, budget)
        blocks.append(text)
        used += records
        more += buttons
    if agency_id in agencies_taking_over(own_words(question.text)):
        # "UBND cấp xã phải làm gì?": the plans gave these duties to a body abolished in
        # 2025; say so before them.
        if note := successor_note(agency_by_id(agency_id).name):
            blocks.insert(0, note)
    return Reply("duty", "\n\n".join(blocks), [record_source(r) for r in used], buttons=more[:MAX_BUTTONS],
                 context={"intent": "ask_duty", "plan_ids": list(plan_ids), "agencies": question.agencies})


MAX_BUTTONS = 3
DEADLINE_CHARS = 200


def _binds(agency_id: str) -> set[str]:
    """The agency, the former agencies merged into it, and the groups that bind it."""
    ids = {agency_id, *(old for old, _ in agency_predecessors(agency_id))}
    return ids | {group for one in ids for group in _covering(one)}


def _deadline_items(plan_id: str, agency_id: str) -> list[tuple[object, str, str, str]]:
    """(record or clause, who, deadlines, excerpt) for every deadline of the plan that binds
    the agency: in its own section, a former agency's, a group's ("Các sở, ban, ngành"),
    or a clause outside "Tổ chức thực hiện"'s agency sections that names one of them
    ("VII. Chế độ báo cáo: Định kỳ trước ngày 01/12 hàng năm; các sở, ban, ngành ...")."""
    binds = _binds(agency_id)
    records = [r for r in kb.plans().duties if r.plan == plan_id]
    found = []
    for record in records:
        if record.agency not in binds:
            continue
        for duty in record.duties:
            if duty.deadlines:
                text = _clip(_duty_text(duty), DEADLINE_CHARS, duty.deadlines[0])
                found.append((record, record.agency_label, "; ".join(duty.deadlines), text))
    in_records = {r.section for r in records}
    for clause in kb.plan_clauses(plan_id):
        if clause.deadlines and clause.section not in in_records and binds & set(clause.agencies):
            text = _clip(clause.text, DEADLINE_CHARS, clause.deadlines[0])
            found.append((clause, "", "; ".join(clause.deadlines), text))
    return found


def _in_sentence(name: str) -> str:
    """"Các sở, ban, ngành tỉnh" → "các sở, ban, ngành tỉnh"; "Sở Tài chính", "UBND ..." stay."""
    return name[:1].lower() + name[1:] if name.split()[0] == "Các" else name


def _title(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1].rsplit(" ", 1)[0].rstrip(",;") + "…"


def answer_deadlines(question: Question, plan_ids: tuple[str, ...], named: bool = False) -> Reply | None:
    """"Doanh nghiệp viễn thông phải gửi kế hoạch trước ngày nào?": the deadlines that bind
    that agency, in every plan that sets one. `named`: the question names its plans, so
    a plan without one says so (with the agency's duties one click away); otherwise
    None when no plan sets one."""
    agency_id = question.agencies[0]
    found = [(plan_id, item) for plan_id in plan_ids for item in _deadline_items(plan_id, agency_id)]
    name = agency_by_id(agency_id).name
    others = [p for p in plan_ids if p not in {plan_id for plan_id, _ in found}]
    if not found and not named:
        return None
    lines = []
    for _, (source, who, deadlines, text) in found:
        section = _section_number(source) if isinstance(source, DutyRecord) else short_section(source.section)
        if who and agency_for_label(who) and agency_for_label(who).id != agency_id:
            lines.append("• " + say("utter_deadline_line_for", province=source.province, section=section,
                                    agency=who, deadlines=deadlines, duty=text))
        else:
            lines.append("• " + say("utter_deadline_line", province=source.province, section=section,
                                    deadlines=deadlines, duty=text))
    text = "\n".join([say("utter_deadlines_heading", agency=_in_sentence(name)), *lines]) if lines else ""
    buttons = []
    if others:
        text = "\n".join(filter(None, [text, say("utter_deadlines_none_in", provinces=", ".join(
            kb.province_of(p) for p in others))]))
        if named:
            buttons = [{"title": _title(say("utter_duty_all_button")),
                        "payload": say("utter_agency_duty_payload", agency=name,
                                       province=kb.province_of(p))} for p in others[:MAX_BUTTONS]]
    sources = [record_source(source) for _, (source, *_rest) in found]
    if not sources:
        sources = [record_source(r) for r in kb.plans().duties if r.plan in plan_ids and r.agency in _binds(agency_id)][:2]
    return Reply("duty", text, sources, buttons=buttons,
                 context={"intent": "ask_duty", "plan_ids": list(plan_ids), "agencies": question.agencies})


def _body_name(record: DutyRecord) -> str:
    """The agency's name when the vocabulary knows it, else the plan's own."""
    return agency_by_id(record.agency).name if record.agency else record.agency_label


def answer_named_body(question: Question, plan_ids: tuple[str, ...]) -> Reply | None:
    """A body the vocabulary does not know, named in the question in the plan's words
    ("Ban quản lý các khu công nghiệp phải làm gì?"): its duties, deadlines first; None
    when no body's name holds the question's words."""
    noise = set(phrase_text(" ".join(p.name for p in question.places)).split()) | stopwords()
    topic = set(phrase_text(question.text).split()) - noise
    records = [r for r in kb.plans().duties if r.plan in plan_ids]
    found = best_matches(topic, records, duty_words)
    found = [r for r in found if not r.agency] or ([] if len(topic) < 2 else found)
    if not found:
        return None
    focus = topic - duty_words(found[0])
    blocks = []
    for record in found[:2]:
        header = plan_label(record.plan)
        lines = [say("utter_duty_heading", header=header[:1].upper() + header[1:], agency=record.agency_label,
                     section=_section_number(record))]
        blocks.append("\n".join(lines + _duty_lines(record, focus, ANSWER_CHARS)))
    return Reply("duty", "\n\n".join(blocks), [record_source(r) for r in found[:2]],
                 context={"intent": "ask_duty", "plan_ids": list(plan_ids), "agencies": []})


def agencies_of(plan_id: str) -> Reply:
    """No agency named: list the plan's agencies as buttons."""
    records = [r for r in kb.plans().duties if r.plan == plan_id]
    province = kb.province_of(plan_id)
    buttons = [{"title": r.agency_label[:60],
                "payload": say("utter_agency_duty_payload", agency=_body_name(r), province=province)}
               for r in records][:8]
    names = "; ".join(r.agency_label for r in records)
    text = say("utter_agencies_of_plan", province_label=plan_label(plan_id), agencies=names)
    return Reply("clarify", text, [record_source(records[0])] if records else [], buttons,
                 context={"intent": "ask_duty", "plan_ids": [plan_id]})
