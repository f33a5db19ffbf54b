"""Cleaning what users type, and scrubbing personal data before anything is stored."""
import re
import unicodedata

from core.text import fold

# Cc control characters, Cf format characters (zero-width, bidi overrides that can
# disguise text) and Cs lone surrogates (they cannot even be encoded to UTF-8).
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs"}
_WHITESPACE_CONTROLS = {"\t", "\n", "\r", "\v", "\f", "\x85", "\u2028", "\u2029"}
_SPACES = re.compile(r"[ \u00a0]{2,}")


def clean_message(text: str) -> str:
    """NFC text without control characters; newlines and tabs become spaces."""
    text = unicodedata.normalize("NFC", text)
    kept = []
    for char in text:
        if char in _WHITESPACE_CONTROLS:
            kept.append(" ")
        elif unicodedata.category(char) not in _DROPPED_CATEGORIES:
            kept.append(char)
    return _SPACES.sub(" ", "".join(kept)).strip()


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Vietnamese phone numbers: 0xx or +84/84 then 8-10 more digits, in groups split by
# spaces, dots or dashes ("0912 345 678", "+84-912.345.678").
_PHONE = re.compile(r"(?<![\w+])(?:\+?84|0)(?:[ .-]?\d){8,10}(?!\d)")
# ID-card-like digit runs: CMND (9), CCCD (12), or any longer unbroken run of digits.
_DIGIT_RUN = re.compile(r"(?<!\d)\d{9,}(?!\d)")


def scrub(text: str) -> str:
    """The text with e-mails, phone numbers and ID-like numbers replaced by tags."""
    text = _EMAIL.sub("[email]", text)
    text = _PHONE.sub("[số điện thoại]", text)
    return _DIGIT_RUN.sub("[dãy số]", text)


_PUNCTUATION = re.compile(r"[^\w\[\] ]+", re.UNICODE)


def question_key(text: str) -> str:
    """How unanswered questions are grouped: folded, without punctuation."""
    return " ".join(_PUNCTUATION.sub(" ", fold(text)).split())
