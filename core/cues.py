"""Cue words: the one matcher of the short phrases that say how a question is asked
("hiện nay", "tất cả các tỉnh", "còn ... thì sao?", "tôi ở ...").

The phrases live in the `cues:` mappings of two word files, each cue name once across
both: data/knowledge/query_words.yml (what a question asks: status, target, all plans,
a deadline, the lowest, ...) and data/knowledge/conversation.yml (how a message ties to
the conversation: follow_up, compare_others, home, ...). A phrase matches whole folded
words ("con" and "còn" meet; "so" is not in "so lieu"), as core.vocabulary.phrase_text
pads them.
"""
from functools import lru_cache

from core import knowledge
from core.text import fold
from core.vocabulary import phrase_text

CUE_FILES = ("query_words.yml", "conversation.yml")


@lru_cache(maxsize=None)
def _cues() -> dict[str, tuple[str, ...]]:
    """{cue name: its folded phrases} of every word file in CUE_FILES.

    Raises ValueError when two files name the same cue."""
    found: dict[str, tuple[str, ...]] = {}
    for name in CUE_FILES:
        for cue, phrases in (knowledge.load(name).get("cues") or {}).items():
            if cue in found:
                raise ValueError(f"cue {cue!r} is defined twice (again in {name})")
            found[cue] = tuple(fold(phrase) for phrase in phrases)
    return found


def cue_phrases(cue: str) -> tuple[str, ...]:
    """The folded phrases of `cue` ("hien nay", ...). Raises KeyError for an unknown cue."""
    return _cues()[cue]


def has_cue(text: str, cue: str) -> bool:
    """Whether `text` holds one of the phrases of `cue` as whole folded words.

    Raises KeyError for an unknown cue."""
    folded = phrase_text(text)
    return any(f" {phrase} " in folded for phrase in cue_phrases(cue))
