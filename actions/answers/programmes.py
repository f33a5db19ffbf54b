"""Citizens' questions about the public telecom programmes, the 2G shutdown, coverage
requests and look-alike programmes, answered from one answer unit
(data/knowledge/answer_units.yml) chosen by index/retrieval/units.py.

The answer is the unit's own sentence(s) (at most three), the sentence saying that its
rule's period is over when the unit does not say so already, the unit's source, and
2–3 related units as quick-reply buttons. A coverage request also gets the coverage
targets of the province's plan when the province is known, and otherwise asks which
province. Below the chooser's threshold the answer is an honest "no data" with where to
ask today; never a neighbouring unit. The words are in domain/responses/programmes.yml.
"""
import re
from datetime import date
from functools import lru_cache

from actions import case as cases
from actions import knowledge_base as kb
from actions.answers import contact
from actions.answers.places import plan_label
from actions.phrases import say
from actions.reply import Reply, record_source
from actions.understanding import Question, recall_question
from core import regions
from core.text import fold
from core.vocabulary import phrase_text
from index.retrieval import Choice, unit_source

MAX_RELATED = 3
MAX_TARGET_LINES = 3
# The units whose question, asked about the asker's own household, is the eligibility
# check ("nhà tôi có được nhận điện thoại không?" may rank "is there support now" first).
SMARTPHONE_UNITS = ("smartphone-who", "smartphone-conditions", "smartphone-amount", "smartphone-priority",
                    "smartphone-registration", "smartphone-once", "after-2025")


def as_date(value) -> date | None:
    """A YAML date, or "YYYY-MM-DD" / "YYYY-MM" / "YYYY" (end of that month or year)."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 4:
        parts = [int(p) for p in value.split("-")]
        return date(parts[0], parts[1] if len(parts) > 1 else 12, parts[2] if len(parts) > 2 else 28)
    return None


def day_text(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def all_sources() -> dict:
    """Every named source {title, url}: programmes.yml, answer_units.yml and cases.yml."""
    return {**kb.programmes()["sources"], **kb.units_data()["sources"], **cases.cases_data()["sources"]}


def named_source(name: str) -> dict:
    """A source {title, url} by its name in answer_units.yml, cases.yml or programmes.yml.
    Raises KeyError for an unknown name (tests/test_cases.py checks them all)."""
    return all_sources()[name]


def fact_source(name: str, label: str) -> dict:
    """The reply source of a named source under `label` (a unit's button title)."""
    return record_source(unit_source({"source": name, "label": label}, all_sources()))


def source_of(unit: dict) -> dict:
    """The unit's source as a reply source: {province: "", document, section, url}."""
    return record_source(unit_source(unit, all_sources()))


def ended_note(unit: dict, text: str | None = None) -> str:
    """"Quy định này áp dụng đến hết ngày 31/12/2025, nay đã kết thúc." when the period of
    `unit` (a unit or a case fact) is over and its text does not already say so; else ""."""
    until = as_date(unit.get("valid_until"))
    text = unit["answer"] if text is None else text
    if until is None or until >= kb.today() or any(word in text for word in kb.units_data()["meta"]["ended_words"]):
        return ""
    return say("utter_programme_ended", until=day_text(until))


def scheduled_note(item: dict) -> str:
    """"Mốc 15/09/2026 đã qua, nhưng tôi chưa có nguồn xác nhận ..." when `item` (a unit
    or a case fact) announces a scheduled date that today is past; else ""."""
    passed = cases.scheduled_passed(item, kb.today())
    return say("utter_scheduled_unconfirmed", date=day_text(passed)) if passed else ""


def compose_fact(fact: dict, label: str) -> tuple[list[str], list[dict]]:
    """The answer to a case: the direct answer and its rule, the notes on dates, then what
    to do; and the fact's sources (the first is the one the answer relies on), each
    under `label` (the unit's button title)."""
    head = f"{fact['answer'].strip()} {fact['rule'].strip()}"
    lines = [head, *(note for note in (ended_note(fact, head), scheduled_note(fact)) if note)]
    if fact.get("then"):
        lines.append(fact["then"].strip().format(contact=contact.body()))
    names = [fact["source"], *(fact.get("more_sources") or ())]
    return lines, [fact_source(name, label) for name in names][:MAX_RELATED]


def unit_buttons(unit_ids) -> list[dict]:
    """Quick replies for units: the label as title, the first example question as the
    message sent (it comes back to the chooser as that unit's own wording)."""
    by_id = kb.unit_index().by_id
    return [{"title": by_id[i]["label"], "payload": by_id[i]["examples"][0]} for i in unit_ids if i in by_id]


def _coverage_lines(question: Question) -> tuple[list[str], list[dict], dict | None]:
    """A coverage request: the province plan's coverage targets (lines, sources), or a
    province question (buttons + the pending question for the follow-up)."""
    from actions.answers import values              # the plan answers; imported late (cycle)
    query = kb.units_data()["meta"]["coverage_query"]
    if question.plan_ids:
        # The coverage query is data, not the user's message: recalled, not read again.
        targets = values.answer_values(recall_question({"intent": "ask_target", "text": query}), question.plan_ids[:1])
        if targets is None:
            return [], [], None
        label = plan_label(question.plan_ids[0])
        lines = targets.text.split("\n")[:MAX_TARGET_LINES]      # the answer stays short
        return [say("utter_coverage_plan", province=label, targets="\n".join(lines))], targets.sources[:2], None
    plan_ids = [plan.id for plan in kb.plans().plans]
    buttons = [{"title": kb.province_of(p),
                "payload": f'/inform_province{{"province":"{kb.province_of(p)}"}}'} for p in plan_ids]
    return [say("utter_coverage_ask_province")], buttons, {"intent": "ask_target", "text": query}


def answer_unit(unit: dict, question: Question, earlier: str = "") -> Reply:
    """The unit's answer, or, when the question states a case one of the unit's facts
    answers (data/knowledge/cases.yml), the answer composed for that case. `earlier`: the
    previous message of a citizen's conversation, whose case carries over ("máy tôi là 4G
    đời cũ" then "tắt hẳn 2G thì còn gọi được không?")."""
    fact = cases.matching_fact(unit["id"], cases.read_case(question.text, earlier))
    if fact:
        lines, sources = compose_fact(fact, unit["label"])
    else:
        lines = [unit["answer"].strip(), *(note for note in (ended_note(unit), scheduled_note(unit)) if note)]
        sources = [source_of(unit), *(fact_source(name, unit["label"]) for name in unit.get("more_sources") or ())]
    if unit.get("kind") == "contact":
        lines.append(contact.contact_lines())
    buttons = unit_buttons(unit.get("related", [])[:MAX_RELATED])
    context = {"intent": "ask_programme", "unit": unit["id"], "text": cases.case_text(question.text, earlier)}
    if unit.get("kind") == "coverage":
        extra, more, pending = _coverage_lines(question)
        lines += extra
        if pending:
            buttons, context = more, {"pending": pending}
        else:
            sources += more
    return Reply("programme", "\n".join(lines), sources, buttons=buttons, context=context)


def unit_for_button(text: str) -> dict | None:
    """The unit whose quick-reply button sent `text` (its first example question, see
    unit_buttons): a click on "Hỏi ở đâu" gets that unit, whatever the NLU makes of it."""
    unit_id = _button_payloads().get(" ".join(phrase_text(text).split()))
    return kb.unit_index().by_id[unit_id] if unit_id else None


@lru_cache(maxsize=None)
def _button_payloads() -> dict[str, str]:
    """Folded first example question -> unit id."""
    return {" ".join(phrase_text(unit["examples"][0]).split()): unit["id"] for unit in kb.units_data()["units"]}


def no_data() -> Reply:
    return Reply("fallback", say("utter_programme_no_data"), buttons=unit_buttons(["where-to-ask"]),
                 context={"intent": "fallback"})


def choose(text: str) -> Choice:
    return kb.unit_index().choose(text)


# The words before a place that say where the asker lives ("nhà tôi ở xã", "tôi ở",
# "gia đình em tại huyện"): a clause of them and the place says nothing of the question.
_LIVES_AT = re.compile(r"^\s*(?:\w+\s+){0,3}?(?:toi|em|chau|minh|tui|nha|que|gia dinh)\s+(?:\w+\s+){0,2}?(?:o|tai)(?:\s+(?:xa|phuong|thi tran|huyen|quan|thi xa|tinh|thanh pho|tp|ap|thon|ban))?\s*$")


def _asked(question: Question) -> str:
    """The question without the places it names: "nhà tôi ở xã Ea Kar, khi nào tắt sóng
    2G?" asks what "khi nào tắt sóng 2G?" asks (the place is said in a note). A clause
    before a comma that names a place ("nhà tôi ở xã Ea Kar,") goes whole: it says where
    the asker lives, not what is asked."""
    text = question.text
    places = [p for p in question.places if p.span[1] <= len(text)]
    for place in sorted(places, key=lambda p: -p.span[0]):
        start = max(text.rfind(mark, 0, place.span[0]) for mark in ",;.") + 1
        end = min((i for i in (text.find(mark, place.span[1]) for mark in ",;") if i >= 0), default=-1)
        if end >= 0 and text[end + 1:].strip() and _LIVES_AT.search(fold(text[start:place.span[0]])):
            text = text[:start] + " " + text[end + 1:]
        else:
            text = regions.without_places(text, [place])
    return text


# A unit ranked this high whose facts answer the case the question states is taken even
# when the chooser's keyword coverage is below its threshold (a long story around a short
# question: "bố mẹ tôi xài máy cục gạch 2G ... giờ phải làm thế nào?"); its dense score
# must still reach the threshold and the question must name the units' subject.
CASE_RANKS = 3


# Where a message's sentences end ("▸" joins the messages of a scored conversation).
_SENTENCE_END = re.compile(r"(?<=[.?!;:\n▸])\s+")


def asking_part(text: str) -> str:
    """The sentences of a long message that ask: from the first one ending in "?" to the
    end ("Nhà tôi cách trạm BTS 10 mét ... Giờ tôi phải làm đơn gửi ai?" → the last
    sentence); the whole text when it has one sentence or none ends in "?"."""
    sentences = [part for part in _SENTENCE_END.split(text.strip()) if part]
    for number, sentence in enumerate(sentences):
        if sentence.rstrip().endswith("?") and number > 0:
            return " ".join(sentences[number - 1 if len(sentence.split()) < 6 else number:])
    return text


# Keyword coverage is a share of the message's words: a story around the question dilutes
# it. Past this many words the coverage asked of the best unit shrinks in proportion (its
# dense score, the subject words and a subject of the unit's own, named, are required).
LONG_MESSAGE_WORDS = 12


def _long_message_fits(index, choice, text: str) -> bool:
    words = len(phrase_text(text).split())
    if words <= LONG_MESSAGE_WORDS or choice.dense < index.min_dense:
        return False
    needed = index.min_coverage * LONG_MESSAGE_WORDS / words
    # Only a unit with a subject of its own that the message names: a story about weak
    # signal in a flat must not reach the 2G unit because both speak of "sóng".
    return choice.coverage >= needed and index.names_subject(text) and \
        bool(index.unit_subjects.get(choice.unit["id"])) and index.names_unit_subject(choice.unit["id"], text)


def pick_unit(question: Question, earlier: str = "") -> dict | None:
    """The unit that answers `question`: the chooser's accepted unit (for a long message,
    with the coverage scaled to its length: _long_message_fits); else one of its
    CASE_RANKS best whose facts answer the stated case (this message's and `earlier`'s);
    the unit accepted for the sentences that ask (a long story around a short question);
    else, with an earlier message, the unit accepted for both messages read together."""
    index = kb.unit_index()
    asked = _asked(question)
    choice = index.choose(asked)
    if choice.accepted:
        return choice.unit
    if _long_message_fits(index, choice, asked):
        return choice.unit
    asking = asking_part(asked)
    if asking != asked and (again := index.choose(asking)).accepted:
        return again.unit
    case = cases.read_case(question.text, earlier)
    if cases.states_case(case) and choice.dense >= index.min_dense and \
            index.names_subject(f"{earlier} {question.text}"):
        for unit_id in choice.ranked[:CASE_RANKS]:
            if cases.matching_fact(unit_id, case):
                return index.by_id[unit_id]
    if earlier:
        again = index.choose(f"{earlier} ; {question.text}")
        if again.accepted:
            return again.unit
    return None


def answer_programme(question: Question, earlier: str = "") -> Reply:
    """The unit that answers the question (pick_unit), else "no data"."""
    unit = pick_unit(question, earlier)
    return answer_unit(unit, question, earlier) if unit else no_data()


def answer_if_unit(question: Question, earlier: str = "") -> Reply | None:
    """For a question the NLU did not call a programme question (out of scope, unsure,
    or a plan question naming no province): the unit that answers it, if any."""
    unit = pick_unit(question, earlier)
    return answer_unit(unit, question, earlier) if unit else None


def answer_if_subject_unit(question: Question, earlier: str = "") -> Reply | None:
    """A question worded like a plan question (it names an indicator such as "trạm BTS",
    "5G") but no province: the unit that answers it when that unit has a `subject` of its
    own the question names ("trạm BTS gần nhà có hại sức khỏe không?", "đến 2030 5G phủ
    bao nhiêu % dân số?"), rather than a question back about the province."""
    unit = pick_unit(question, earlier)
    if unit is None or not kb.unit_index().unit_subjects.get(unit["id"]):
        return None
    return answer_unit(unit, question, earlier)


def states_case(text: str) -> bool:
    """Whether the message states a citizen's own case (its phone, SIM, the number it
    calls ...: cases.yml `topical`): an answer unit may answer it whatever the intent."""
    return cases.states_case(cases.read_case(text))


def asks_about_smartphone_support(text: str) -> bool:
    """Whether the best unit (accepted or not) is about the smartphone support."""
    return choose(text).unit["id"] in SMARTPHONE_UNITS
