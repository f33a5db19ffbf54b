"""Canonical vocabularies (data/knowledge/indicators.yml, agencies.yml) and the
phrase rules that map a plan's own wording onto them."""
from dataclasses import dataclass
from functools import lru_cache

from core import knowledge
from core.text import folded_words


def phrase_text(text: str) -> str:
    """Folded words joined by single spaces and padded, so that phrases match whole
    words only: " so ban nganh " is in "cac so, ban, nganh tinh" but not in "so lieu"."""
    return f" {' '.join(folded_words(text))} "


def _contains(haystack: str, phrase: str) -> bool:
    return f" {phrase} " in haystack


@dataclass(frozen=True)
class Rule:
    all: tuple[str, ...] = ()
    any: tuple[tuple[str, ...], ...] = ()
    none: tuple[str, ...] = ()

    def matches(self, text: str) -> bool:
        """`text` must come from phrase_text()."""
        if not (self.all or self.any):
            return False
        return (all(_contains(text, p) for p in self.all)
                and all(any(_contains(text, p) for p in group) for group in self.any)
                and not any(_contains(text, p) for p in self.none))


def _rule(entry: dict) -> Rule:
    return Rule(all=tuple(entry.get("all", ())),
                any=tuple(tuple(group) for group in entry.get("any", ())),
                none=tuple(entry.get("none", ())))


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    unit: str
    rule: Rule
    nouns: tuple[str, ...] = ()      # words right after a number in prose
    context: tuple[str, ...] = ()    # phrases the same line must contain
    ask: tuple[str, ...] = ()        # how people name it in questions

    def matches_count(self, following: str, line: str) -> bool:
        """True when a number followed by `following` in `line` counts this indicator.
        Both arguments come from phrase_text()."""
        return (any(following.startswith(f" {noun} ") for noun in self.nouns)
                and all(_contains(line, phrase) for phrase in self.context))


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    rule: Rule
    covers: tuple[str, ...] = ()
    ask: tuple[str, ...] = ()


@lru_cache(maxsize=None)
def indicators() -> tuple[Indicator, ...]:
    return tuple(Indicator(id=e["id"], name=e["name"], unit=e["unit"], rule=_rule(e),
                           nouns=tuple(e.get("nouns", ())), context=tuple(e.get("context", ())),
                           ask=tuple(e.get("ask", ())))
                 for e in knowledge.load("indicators.yml")["indicators"])


@lru_cache(maxsize=None)
def agencies() -> tuple[Agency, ...]:
    return tuple(Agency(id=e["id"], name=e["name"], rule=_rule(e), covers=tuple(e.get("covers", ())),
                        ask=tuple(e.get("ask", ())))
                 for e in knowledge.load("agencies.yml")["agencies"])


def indicator_for_label(label: str) -> Indicator | None:
    text = phrase_text(label)
    return next((i for i in indicators() if i.rule.matches(text)), None)


def indicator_for_count(following: str, line: str) -> Indicator | None:
    following, line = phrase_text(following), phrase_text(line)
    return next((i for i in indicators() if i.nouns and i.matches_count(following, line)), None)


def agency_for_label(label: str) -> Agency | None:
    text = phrase_text(label)
    return next((a for a in agencies() if a.rule.matches(text)), None)


def indicator_by_id(indicator_id: str) -> Indicator:
    return next(i for i in indicators() if i.id == indicator_id)


def agency_by_id(agency_id: str) -> Agency:
    return next(a for a in agencies() if a.id == agency_id)


def agency_changes(text: str) -> list[dict]:
    """The 2025 changes of the agencies that `text` names, in the order of
    data/knowledge/administrative_changes.yml (`agencies`: {old, aliases, new, change,
    note, source}). Names match on whole folded words: "Sở Thông tin và Truyền thông
    Tiền Giang" and "so tt&tt" name the former department; "số thông tin" names nothing."""
    text = phrase_text(text)
    return [change for change in knowledge.load("administrative_changes.yml")["agencies"]
            if any(phrase_text(name) in text for name in [change["old"], *change.get("aliases", [])])]


def agency_predecessors(agency_id: str) -> list[tuple[str, dict]]:
    """The former agencies merged in 2025 into the agency `agency_id` ("Sở Khoa học và
    Công nghệ" ← "Sở Thông tin và Truyền thông"), with their change entries: the reverse
    of agency_changes(), so a question in today's names finds the duties the plans gave
    under the former names. Only `merged_into` changes have a successor."""
    found = []
    for change in knowledge.load("administrative_changes.yml")["agencies"]:
        if change.get("change") != "merged_into" or not change.get("new"):
            continue
        new, old = agency_for_label(change["new"]), agency_for_label(change["old"])
        if new is not None and old is not None and new.id == agency_id and old.id != agency_id:
            found.append((old.id, change))
    return found


def _committee_words(text: str) -> str:
    """phrase_text with "UBND" spelled out, so "UBND cấp xã" meets "Ủy ban nhân dân cấp xã"."""
    return phrase_text(text).replace(" ubnd ", " uy ban nhan dan ")


def agencies_taking_over(text: str) -> list[str]:
    """Agency ids of the plans whose duties went, in 2025, to a body `text` names that
    the plans do not name (administrative_changes.yml `duties_to` of an abolished
    agency): "UBND cấp xã phải làm gì?" → the district committees' duties, which moved
    to the provincial or commune level. [] when `text` names no such body."""
    folded = _committee_words(text)
    found = []
    for change in knowledge.load("administrative_changes.yml")["agencies"]:
        if change.get("change") != "abolished":
            continue
        if any(_committee_words(body) in folded for body in change.get("duties_to") or ()):
            agency = agency_for_label(change["old"])
            if agency is not None and agency.id not in found:
                found.append(agency.id)
    return found


@lru_cache(maxsize=None)
def query_words() -> tuple[str, ...]:
    """Question words and place names as written, for restoring diacritics."""
    places = knowledge.load("provinces.yml")["units"]
    names = [name for unit in places for name in [unit["name"], *unit.get("aliases", ())]]
    return tuple(knowledge.load("query_words.yml")["words"]) + tuple(names)


def _abbreviation_key(text: str) -> str:
    return " ".join(folded_words(text.replace("&", "").replace("-", "")))


@lru_cache(maxsize=None)
def _abbreviations() -> dict[str, str]:
    table = knowledge.load("abbreviations.yml")["abbreviations"]
    return {_abbreviation_key(short): long for short, long in table.items()}


def expand_abbreviations(text: str) -> str:
    """"Sở TT&TT Tiền Giang" → "Sở TT&TT (thông tin và truyền thông) Tiền Giang": the
    expansion is added, not substituted, so nothing the user typed is lost."""
    table = _abbreviations()
    out = []
    for token in text.split():
        out.append(token)
        key = _abbreviation_key(token)
        if key in table:
            out.append(f"({table[key]})")
    expanded = " ".join(out)
    for short, long in table.items():          # multi-word keys ("nhà mạng")
        if " " in short and f" {short} " in f" {_abbreviation_key(text)} ":
            expanded += f" ({long})"
    return expanded
