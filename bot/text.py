"""Cleaning what users type, and masking personal data before the message goes anywhere
(Rasa and its tracker store, the feedback database, logs)."""
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


# E-mail addresses, also written to dodge filters: "lan@mail", "lan [at] gmail [dot] com",
# "lan(at)gmail.com". The local part must touch the "@" (or the bracketed "at").
_EMAIL = re.compile(
    r"[\w.+-]+(?:@|\s?[\[(]\s?(?:at|a còng)\s?[\])]\s?)[\w-]+"
    r"(?:(?:\.|\s?[\[(]\s?(?:dot|chấm)\s?[\])]\s?)[\w-]+)*",
    re.UNICODE | re.IGNORECASE)
# Vietnamese phone numbers: 0xx, +84, 84 or (+84) then 8-10 more digits, in groups split
# by spaces, dots or dashes ("0912 345 678", "+84-912.345.678", "(+84) 912 345 678").
_PHONE = re.compile(r"(?<![\d+])(?:\(\+?84\)|\+?84|0)(?:[ .-]?\d){8,10}(?![ .-]?\d)")
# Runs of digit groups joined by one space, dot or dash: "123 456 789" (CMND),
# "0012 0300 4567" (CCCD), "1903 5678 9012 345" (bank account), "4111-1111-1111-1111"
# (card), also glued to words ("sdt0912345678", "CCCD012345678901"). Masked from 9
# digits on (_is_personal_number says which runs stay).
_DIGIT_GROUPS = re.compile(r"(?<![\d.,/])\d+(?:[ .-]\d+)*(?![\d/])")
_PERSONAL_MIN_DIGITS = 9
_NON_YEAR_MIN_DIGITS = 6    # "2025 2030 100 54" is years and figures, not an ID
_YEAR = re.compile(r"(?:19|20)\d\d")
# An amount of money is the question's substance, not a person's number.
_MONEY_AFTER = re.compile(r"\s?(?:đồng|đ\b|vnđ|vnd|tỷ|triệu|nghìn|ngàn)", re.IGNORECASE)

PHONE_TAG, EMAIL_TAG, NUMBER_TAG = "[số điện thoại]", "[email]", "[dãy số]"


def _is_personal_number(match: re.Match) -> bool:
    """A run of 9 or more digits, unless it is mostly years ("2023 2024 2025", "2025 2030
    100 54": fewer than 6 digits outside 19xx/20xx groups) or an amount followed by its
    currency ("1.500.000.000 đồng")."""
    groups = re.split(r"[ .-]", match.group())
    if sum(len(group) for group in groups) < _PERSONAL_MIN_DIGITS:
        return False
    if sum(len(group) for group in groups if not _YEAR.fullmatch(group)) < _NON_YEAR_MIN_DIGITS:
        return False
    return not _MONEY_AFTER.match(match.string, match.end())


def scrub(text: str) -> str:
    """The text with personal data replaced by tags: e-mail addresses by "[email]",
    Vietnamese phone numbers by "[số điện thoại]", ID card (CMND 9 digits, CCCD 12),
    bank account and card numbers (9+ digits, grouped or not) by "[dãy số]". Years,
    speeds, percentages, document numbers and amounts of money are kept. Idempotent."""
    text = _EMAIL.sub(EMAIL_TAG, text)
    text = _PHONE.sub(PHONE_TAG, text)
    return _DIGIT_GROUPS.sub(lambda m: NUMBER_TAG if _is_personal_number(m) else m.group(), text)


_PUNCTUATION = re.compile(r"[^\w\[\] ]+", re.UNICODE)


def question_key(text: str) -> str:
    """How unanswered questions are grouped: folded, without punctuation."""
    return " ".join(_PUNCTUATION.sub(" ", fold(text)).split())
