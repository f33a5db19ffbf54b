"""Questions reach records by the plan's own words.

Every value and duty record keeps the phrase the plan wrote ("nhà đầu tư trong khu công
nghệ cao ... được tư vấn", "Ban Quản lý các khu công nghệ cao và khu công nghiệp"), known
to the vocabulary or not. `best_matches` ranks records by how much of the question's
topic words their phrase holds, with the canonical indicator's or agency's name and
everyday names (data/knowledge: `ask`) as synonyms of a record that links to one, so
"tốc độ 4G" finds "Dịch vụ truy nhập Internet 4G: Tốc độ tải xuống trung bình".

Scores: the share of the question's topic words found in the record's phrase words
(0–1). A record is a match at MIN_SHARE or more and at least MIN_WORDS shared words;
the best score wins, ties kept (a line with two values gives both).
"""
import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from core.text import fold
from core.vocabulary import agencies, indicators

MIN_SHARE = 0.6
MIN_WORDS = 2


def phrase_words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", fold(text)))


@lru_cache(maxsize=None)
def _indicator_words() -> dict[str, frozenset[str]]:
    return {i.id: phrase_words(" ".join([i.name, *i.ask])) for i in indicators()}


@lru_cache(maxsize=None)
def _agency_words() -> dict[str, frozenset[str]]:
    return {a.id: phrase_words(" ".join([a.name, *a.ask])) for a in agencies()}


def value_words(record) -> frozenset[str]:
    """The words a value record is found by: its label, unit and scope, and its
    indicator's names when it links to one."""
    words = phrase_words(f"{record.label} {record.unit} {record.scope}")
    return words | _indicator_words().get(record.indicator, frozenset())


def duty_words(record) -> frozenset[str]:
    """The words a duty record is found by: the body's name as the plan writes it, and
    the agency's names when it links to one."""
    return phrase_words(record.agency_label) | _agency_words().get(record.agency, frozenset())


def share(topic: Iterable[str], record, words_of: Callable) -> float:
    """The share of `topic` the record's words hold (0 for an empty topic)."""
    topic = set(topic)
    return len(topic & words_of(record)) / len(topic) if topic else 0.0


def best_matches(topic: Iterable[str], records: list, words_of: Callable) -> list:
    """The records whose phrase holds most of `topic` (folded words), best score only;
    [] when none holds MIN_SHARE of them and MIN_WORDS at least."""
    topic = set(topic)
    if not topic:
        return []
    scored = []
    for record in records:
        shared = len(topic & words_of(record))
        share = shared / len(topic)
        if shared >= min(MIN_WORDS, len(topic)) and share >= MIN_SHARE:
            scored.append((share, record))
    if not scored:
        return []
    top = max(score for score, _ in scored)
    return [record for score, record in scored if score == top]
