"""The asker's own case, read from the question, and the fact that answers it.

A citizen asks about their phone, their household, the number they want to call. The
words that say so are data (data/knowledge/cases.yml `attributes`); the facts that answer
a case carry conditions on those attributes (`facts[].when`), so a new case is a change
to YAML, not to Python:

    >>> read_case("máy 4G đời cũ không có VoLTE sau khi tắt hẳn 2G còn gọi được không")
    {'phone': frozenset({'4g'}), 'volte': frozenset({'no'})}
    >>> matching_fact("2g-network-end", read_case("máy 4G không có VoLTE ..."))["id"]
    'no-volte-after-2g'

Reading: each attribute value has phrases, matched on folded whole words; a phrase lying
strictly inside a longer phrase that matched of the same attribute is dropped ("có volte"
inside "không có volte" says nothing), and so is one of an attribute the longer one's
attribute `hides` ("máy tính bảng" inside "nhận máy tính bảng" is what was received, not
what is asked for). An attribute may take several values.

Matching: a fact applies to the units it names; each condition `attribute: values` holds
when every value the question gives for the attribute is among `values` (for the
attributes of `match_any`, when one of them is); the value `none` stands for "the
question does not say". Of the facts that hold, the one with the
most conditions wins; on a tie, the first in the file. Composition of the answer is in
actions/answers/programmes.py.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from core import knowledge
from core.vocabulary import phrase_text

CASES_FILE = "cases.yml"
NOT_SAID = "none"

Case = dict[str, frozenset[str]]


def cases_data() -> dict:
    return knowledge.load(CASES_FILE)


@lru_cache(maxsize=None)
def _phrases() -> dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]]:
    """First folded word -> (attribute, value, folded words of one phrase), longest first."""
    found: dict[str, list] = {}
    for attribute, values in cases_data()["attributes"].items():
        for value, phrases in values.items():
            for phrase in phrases:
                words = tuple(phrase_text(str(phrase)).split())
                if words:
                    found.setdefault(words[0], []).append((attribute, str(value), words))
    return {first: tuple(sorted(items, key=lambda item: -len(item[2]))) for first, items in found.items()}


def _spans(words: list[str]) -> list[tuple[int, int, str, str]]:
    """Every (start, end, attribute, value) where a phrase occurs in `words`."""
    spans = []
    phrases = _phrases()
    for start, word in enumerate(words):
        for attribute, value, phrase in phrases.get(word, ()):
            if tuple(words[start:start + len(phrase)]) == phrase:
                spans.append((start, start + len(phrase), attribute, value))
    return spans


@lru_cache(maxsize=1024)
def read_case(text: str, earlier: str = "") -> Case:
    """The case attributes `text` states: {attribute: frozenset(values)}; attributes the
    text does not mention are absent. `earlier`: the conversation's previous message,
    whose attributes hold unless `text` states its own, except those about what a message
    asks (`per_message` in cases.yml). Never raises; "" gives {}. Cached: a turn reads
    the same message several times (callers must not modify the result)."""
    if earlier:
        before = {key: values for key, values in read_case(earlier).items()
                  if key not in cases_data().get("per_message", ())}
        return {**before, **read_case(text)}
    words = phrase_text(text).split()
    spans = _spans(words)
    hides = cases_data().get("hides") or {}
    kept = [span for span in spans
            if not any(other[0] <= span[0] and span[1] <= other[1] and (other[1] - other[0]) > (span[1] - span[0])
                       and (other[2] == span[2] or span[2] in hides.get(other[2], ()))
                       for other in spans)]
    case: dict[str, set[str]] = {}
    for _, _, attribute, value in kept:
        case.setdefault(attribute, set()).add(value)
    return {attribute: frozenset(values) for attribute, values in case.items()}


def states_case(case: Case) -> bool:
    """Whether `case` holds an attribute that by itself makes the question a citizen's
    own case (`topical` in cases.yml: the phone, the SIM, the number called ...; an entry
    "attribute=value" counts only that value)."""
    for entry in cases_data().get("topical", ()):
        attribute, _, value = str(entry).partition("=")
        if attribute in case and (not value or value in case[attribute]):
            return True
    return False


# The previous message kept with a case answer, so a third message still has it.
MAX_CASE_TEXT = 300


def case_text(text: str, earlier: str = "") -> str:
    """What a case answer records as its question's text: the message, after the earlier
    one whose case it used (at most MAX_CASE_TEXT characters, the latest kept)."""
    joined = f"{earlier} ; {text}" if earlier and read_case(earlier) else text
    return joined[-MAX_CASE_TEXT:]


def _allowed(condition) -> frozenset[str]:
    values = condition if isinstance(condition, list) else [condition]
    return frozenset(str(value) for value in values)


def holds(when: dict, case: Case) -> bool:
    """Whether every condition of `when` holds for `case` (see the module docstring)."""
    for attribute, condition in (when or {}).items():
        allowed = _allowed(condition)
        given = case.get(attribute)
        if not given:
            if NOT_SAID not in allowed:
                return False
        elif not (given & allowed if attribute in _match_any() else given <= allowed):
            return False
    return True


def _match_any() -> frozenset[str]:
    return frozenset(cases_data().get("match_any", ()))


def facts_for(unit_id: str) -> list[dict]:
    return [fact for fact in cases_data()["facts"] if unit_id in fact["units"]]


def matching_fact(unit_id: str, case: Case) -> dict | None:
    """The fact of unit `unit_id` whose conditions hold for `case` with the most
    conditions (the first on a tie), or None. A fact without conditions never matches:
    the unit's own answer is the general one."""
    best, best_size = None, 0
    for fact in facts_for(unit_id):
        size = len(fact.get("when") or {})
        if size > best_size and holds(fact["when"], case):
            best, best_size = fact, size
    return best


def decides(unit_ids, text: str) -> bool:
    """Whether a fact of one of `unit_ids` answers the case `text` states."""
    case = read_case(text)
    return bool(case) and any(matching_fact(unit_id, case) for unit_id in unit_ids)


def scheduled_passed(item: dict, today: date) -> date | None:
    """The scheduled date of `item` (a fact or a unit with `scheduled`) when today is past
    it and no source confirms the event (`confirmed` not true); else None."""
    when = item.get("scheduled")
    if isinstance(when, str):
        when = date.fromisoformat(when)
    if isinstance(when, date) and when < today and not item.get("confirmed"):
        return when
    return None
