"""What a question is about, read from its text (and Rasa's entities as hints).

Rasa's NLU gives the intent; the places, indicators, agencies, years and cues are
resolved here from the words of the question against the vocabularies in data/, so
that typos, missing diacritics and new province names are handled in one place and
the same way for every answer.
"""
import re
from dataclasses import dataclass, field
from functools import lru_cache

from core import regions
from core.regions import Place
from core.text import fold
from core import knowledge
from core.cues import cue_phrases, has_cue
from core.vocabulary import agencies, agencies_taking_over, indicators, phrase_text
from index.plans import published_plans_of

_YEAR = re.compile(r"\b(20[2-4]\d)\b")
ALL_PLANS_VALUES = ("tat ca", "all", "*")


@lru_cache(maxsize=None)
def _word_set(key: str) -> frozenset[str]:
    """The folded words of a word list of query_words.yml."""
    phrases = knowledge.load("query_words.yml")[key]
    return frozenset(w for phrase in phrases for w in phrase_text(phrase).split())


def stopwords() -> frozenset[str]:
    return _word_set("stopwords")


def summary_words() -> frozenset[str]:
    return _word_set("summary_words")


def _phrase_hits(text: str, phrases: list[str]) -> int:
    """Length in words of the longest phrase of `phrases` found in `text` (0: none)."""
    folded = phrase_text(text)
    return max((len(p.split()) for p in map(lambda p: " ".join(phrase_text(p).split()), phrases)
                if p and f" {p} " in folded), default=0)


def _best(scored: dict[str, float]) -> list[str]:
    if not scored:
        return []
    top = max(scored.values())
    return [key for key, score in scored.items() if score == top]


MIN_PARTIAL_WORDS = 4


def _pairs(words: list[str]) -> set[tuple[str, str]]:
    return set(zip(words, words[1:]))


def _coverage(question: list[str], phrase: str) -> float:
    """How well the question covers an indicator phrase: a phrase whose words all occur
    (in any order) scores its length plus a bonus, so the most specific complete phrase
    wins. A phrase of four words or more, two-thirds covered, scores less than any
    complete one, and only when the question has at least half of the phrase's word
    pairs in order and every word with a digit: folded syllables are ambiguous ("thanh
    toan dien tu" has "dien" and "toan" but not "điện toán"), "4G" is not "5G", and two
    words of three ("dân có smartphone") say too little."""
    words = phrase_text(phrase).split()
    if not words:
        return 0.0
    present = [word in question for word in words]
    share = sum(present) / len(words)
    if share == 1:      # distinct words: "số xã ... số liệu" is not longer for saying "số" twice
        return 100 + len(set(words))
    if share < 0.66 or len(words) < MIN_PARTIAL_WORDS:
        return 0.0
    if any(not found and any(c.isdigit() for c in word) for word, found in zip(words, present)):
        return 0.0
    in_order = len(_pairs(words) & _pairs(question)) / (len(words) - 1)
    return share * len(words) if in_order >= 0.5 else 0.0


PERCENT_BONUS = 0.5     # breaks a tie, never outweighs a better-covered phrase


def find_indicators(text: str) -> list[str]:
    """Canonical indicator ids the question asks about, best first; ties are kept
    ("5G" names both 5G targets). A question asking for a share ("bao nhiêu %",
    "tỷ lệ") prefers the indicator measured in percent."""
    words = phrase_text(text).split()
    wants_percent = "%" in text or has_cue(text, "percent")
    scores = {}
    for indicator in indicators():
        score = max(_coverage(words, phrase) for phrase in (*indicator.ask, indicator.name))
        if score and wants_percent and indicator.unit == "%":
            score += PERCENT_BONUS
        scores[indicator.id] = score
    return _best({key: score for key, score in scores.items() if score})


def indicators_with_words(words: set[str]) -> list[str]:
    """Ids of the indicators whose name or ask phrases hold every one of `words` (folded
    syllables, as Question.topic_words gives them): "di dong" → the mobile indicators."""
    found = []
    for indicator in indicators():
        vocabulary = {w for phrase in (*indicator.ask, indicator.name) for w in phrase_text(phrase).split()}
        if words and words <= vocabulary:
            found.append(indicator.id)
    return found


def indicator_words(ids: list[str]) -> set[str]:
    """The folded words of the names and ask phrases of the indicators `ids`."""
    chosen = set(ids)
    return {w for indicator in indicators() if indicator.id in chosen
            for phrase in (*indicator.ask, indicator.name) for w in phrase_text(phrase).split()}


def find_agencies(text: str) -> list[str]:
    """Canonical agency ids named in the question, the most specific first."""
    scores = {a.id: _phrase_hits(text, [*a.ask, a.name]) for a in agencies()}
    named = [key for key, score in sorted(scores.items(), key=lambda item: -item[1]) if score][:2]
    # "UBND cấp xã": a body of today the plans do not name takes the duties they gave to
    # the one abolished in 2025 (administrative_changes.yml `duties_to`).
    return named or agencies_taking_over(text)[:2]


def find_document_field(text: str, fields: list[dict]) -> str:
    for entry in fields:
        if _phrase_hits(text, entry["ask"]):
            return entry["id"]
    return ""


# How a follow-up's text joins the last topic's question to the message itself
# (actions/dialogue.py): "…do ai ký? ; kinh phí lấy từ đâu?".
FOLLOW_UP_JOIN = " ; "


def own_words(text: str) -> str:
    """The message's own part of a follow-up's joined text (the whole text otherwise)."""
    return text.rsplit(FOLLOW_UP_JOIN, 1)[-1]


# Where a message asking two things splits: "…là bao nhiêu, hiện nay đạt bao nhiêu?"
_CLAUSE_BREAK = re.compile(r"[?;,.!]+")


def _clause_kind(clause: str) -> str | None:
    """target | status that one clause asks by its own words ("mục tiêu …" names a
    target, "hiện nay …" today's value), None when it says neither."""
    if has_cue(clause, "target_words"):
        return "target"
    return "status" if has_cue(clause, "status") else None


def _asks_both(text: str) -> bool:
    """A message asking a target in one clause and today's value in another ("Tuyên
    Quang đặt mục tiêu bao nhiêu, hiện nay đạt bao nhiêu?"): both get answered."""
    kinds = {_clause_kind(c) for c in _CLAUSE_BREAK.split(text)}
    return {"target", "status"} <= kinds


@dataclass
class Question:
    text: str
    intent: str
    places: list[Place] = field(default_factory=list)
    plan_ids: tuple[str, ...] = ()
    all_plans: bool = False
    indicators: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    kind: str | None = None      # target | status | both, when the conversation decided it
    # indicators a follow-up may mean ("còn di động?"): the user picks one
    indicator_choices: list[str] = field(default_factory=list)

    @property
    def no_plan_places(self) -> list[Place]:
        return [place for place in self.places if not place.plan_ids]

    @property
    def place_notes(self) -> list[str]:
        return [place.note for place in self.places if place.note]

    def wants(self, cue: str) -> bool:
        return has_cue(self.text, cue)

    def kind_asked(self) -> str | None:
        """target | status when the words say which ("mục tiêu", "hiện nay", a year),
        else None. A status cue beats a weak target cue: "hiện nay đạt bao nhiêu?" asks
        today's value, "mục tiêu hiện nay" a target."""
        if _asks_both(self.text):
            return "both"
        status, target = self.wants("status"), self.wants("target")
        if status and (not target or not has_cue(self.text, "target_words")):
            return "status"
        if target or self.years:
            return "target"
        return None

    def topic_words(self) -> set[str]:
        """What the question names besides the place, the year and the words of asking
        for targets or status ("IPv6", "trạm BTS"); empty for "Các mục tiêu của X?"."""
        words = set(phrase_text(self.text).split())
        cue_words = {w for cue in ("target", "status") for phrase in cue_phrases(cue) for w in phrase.split()}
        place_words = set(phrase_text(" ".join(p.name for p in self.places)).split())
        return {w for w in words - stopwords() - summary_words() - cue_words - place_words if not w.isdigit()}


def _entity_values(entities: list[dict], name: str) -> list[str]:
    return [str(e.get("value")) for e in entities or [] if e.get("entity") == name and e.get("value")]


def _years(text: str) -> list[int]:
    return sorted({int(y) for y in _YEAR.findall(text)})


def read_question(text: str, intent: str, entities: list[dict] | None = None) -> Question:
    """What the message `text` asks: its places (only published plans), plans, indicators,
    agencies and years, with Rasa's entities as hints. Read once per turn
    (actions/dialogue.py read_turn) and passed down."""
    entities = entities or []
    provinces = _entity_values(entities, "province")
    all_plans = any(fold(value) in ALL_PLANS_VALUES for value in provinces) or has_cue(text, "all_plans")
    # Rasa's province entity (from a button payload or a synonym) may name a place the
    # text does not spell out; resolve both the same way.
    # Only plans published now: one removed on the admin page leaves its province
    # without a plan, one published for a new province gives it one.
    places = published_plans_of(regions.find_places(" ; ".join([text, *provinces])))
    plan_ids: list[str] = []
    for place in places:
        plan_ids.extend(p for p in place.plan_ids if p not in plan_ids)
    known = {i.id for i in indicators()}
    hinted = [value for value in _entity_values(entities, "indicator") if value in known]
    found = find_indicators(text)
    return Question(
        text=text, intent=intent, places=places, plan_ids=tuple(plan_ids), all_plans=all_plans,
        indicators=found or hinted,
        agencies=find_agencies(" ; ".join([text, *_entity_values(entities, "agency")])),
        years=_years(" ".join([text, *_entity_values(entities, "year")])))


def recall_question(stored: dict) -> Question:
    """A question kept in the conversation ({"intent", "text", and optionally
    "indicators", "agencies", "years"}: a pending clarification, the coverage query of
    data/knowledge/answer_units.yml), rebuilt without reading places: the message that
    answers it gives the place. What it does not keep is found in its text, as
    read_question would. KeyError without "intent"."""
    text = stored.get("text", "")
    return Question(text=text, intent=stored["intent"],
                    indicators=list(stored.get("indicators") or find_indicators(text)),
                    agencies=list(stored.get("agencies") or find_agencies(text)),
                    years=list(stored.get("years") or _years(text)))
