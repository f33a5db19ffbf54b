"""Messages typed in Telex with the input method switched off ("tooc ddooj bawng
roongj" for "tốc độ băng rộng"), turned back into Vietnamese.

Vietnamese written without diacritics never has "dd", "aa", "aw", "ee", "oo", "ow",
"uw" in a syllable nor a syllable ending in s, f, r, x, j; Telex uses exactly those as
keys. A word is converted only when it becomes a well-formed Vietnamese syllable, and
a message only when at least two of its words do: English and plain unaccented
Vietnamese pass through unchanged.
"""
import re
import unicodedata

_TONE_KEYS = {"s": "\u0301", "f": "\u0300", "r": "\u0309", "x": "\u0303", "j": "\u0323"}
# Longest first: "uow" before "ow", "dd" anywhere it occurs (only as an onset in practice).
_LETTER_KEYS = [("uow", "ươ"), ("dd", "đ"), ("aa", "â"), ("aw", "ă"), ("ee", "ê"),
                ("oo", "ô"), ("ow", "ơ"), ("uw", "ư")]
_ONSETS = ("ngh", "ng", "gh", "gi", "kh", "nh", "ph", "qu", "th", "tr", "ch",
           "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "")
_VOWELS = set("aăâeêioôơuưy")
_MARKED_VOWELS = "ơâăêôư"        # the tone goes on these first (ơ before ư in "ươ")
_CODAS = {"", "c", "ch", "m", "n", "ng", "nh", "p", "t"}
_WORD = re.compile(r"[A-Za-z]+")
MIN_CONVERTED_WORDS = 2


def _split(syllable: str) -> tuple[str, str, str] | None:
    """(onset, vowels, coda) of a well-formed syllable, else None."""
    for onset in _ONSETS:
        if not syllable.startswith(onset):
            continue
        rest = syllable[len(onset):]
        if onset == "gi" and (not rest or rest[0] not in _VOWELS):
            continue                     # "gin": onset g, vowel i
        end = 0
        while end < len(rest) and rest[end] in _VOWELS:
            end += 1
        vowels, coda = rest[:end], rest[end:]
        if vowels and coda in _CODAS and len(vowels) <= 3:
            return onset, vowels, coda
    return None


def _tone_position(vowels: str, coda: str) -> int:
    for mark in _MARKED_VOWELS:
        if mark in vowels:
            return vowels.index(mark)
    if len(vowels) == 1:
        return 0
    if len(vowels) == 3:
        return 1
    return 1 if coda else 0              # "hòa", "tài"; "toán", "tiến"


def _convert_word(word: str) -> str | None:
    """The Vietnamese syllable a Telex-typed word stands for, or None."""
    lower = word.lower()
    tone = ""
    if lower[-1] in _TONE_KEYS and len(lower) > 1:
        tone, lower = _TONE_KEYS[lower[-1]], lower[:-1]
    for keys, letter in _LETTER_KEYS:
        lower = lower.replace(keys, letter)
    if lower == word.lower() or "w" in lower:
        return None
    parts = _split(lower)
    if parts is None:
        return None
    onset, vowels, coda = parts
    if tone:
        at = _tone_position(vowels, coda)
        vowels = vowels[:at] + unicodedata.normalize("NFC", vowels[at] + tone) + vowels[at + 1:]
    syllable = onset + vowels + coda
    return syllable.capitalize() if word[0].isupper() else syllable


def from_telex(message: str) -> str:
    """The message with its Telex-typed words converted, when it has at least two;
    otherwise the message unchanged. Messages that already carry diacritics are left
    alone (the input method was on)."""
    if any(ord(char) > 127 and char.isalpha() for char in message):
        return message
    converted = {m.group(): _convert_word(m.group()) for m in _WORD.finditer(message)}
    converted = {word: syllable for word, syllable in converted.items() if syllable}
    if len(converted) < MIN_CONVERTED_WORDS:
        return message
    return _WORD.sub(lambda m: converted.get(m.group(), m.group()), message)
