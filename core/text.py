"""Vietnamese text normalisation shared by the parser, the index and the actions.

Citizens often type without diacritics ("khi nao tat song 2g"), in decomposed Unicode,
or with stray spacing; comparing folded forms makes all of these meet.
"""
import re
import unicodedata

_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+", re.UNICODE)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lowercase, strip diacritics (đ → d) and collapse whitespace."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", text).strip()


def words(text: str) -> list[str]:
    """Syllables/words of `text`, lowercased (diacritics kept)."""
    return _WORD.findall(nfc(text).lower())


def folded_words(text: str) -> list[str]:
    """Syllables/words of `text` with diacritics folded: the unit of keyword matching."""
    return _WORD.findall(fold(text))
