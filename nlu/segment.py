"""Split a Vietnamese message into tokens for the NLU pipeline (stdlib only).

Pure logic behind `nlu.vietnamese_tokenizer.VietnameseTokenizer`, kept free of
Rasa so that it can be read and tested on its own.

    >>> [(t.text, t.start, t.end) for t in segment("Sở TT&TT Tiền Giang: tốc độ 4G?")]
    [('so', 0, 2), ('tt&tt', 3, 8), ('tien', 9, 13), ('giang', 14, 19), ('toc', 21, 24), ('do', 25, 27), ('4g', 28, 30)]

Each token carries
- `text`: the feature form — NFC, lowercased, diacritics folded (index.text.fold, so
  "tốc độ", "toc do", "TỐC ĐỘ" and decomposed NFD input give the same tokens);
- `start`/`end`: offsets into the text *as given* (NFD input keeps its own offsets),
  so entity values cut from the original text are the user's own substrings;
- `original`: that substring;
- `spelling`: the substring NFC-normalised and lowercased, diacritics kept. Folding
  merges words that differ only by diacritics ("đúng"/"dừng"/"dùng" → "dung",
  "số"/"sở"/"so" → "so"); the tokenizer passes the spelling on as the token's lemma so
  that one featurizer can tell them apart when the user did type the diacritics.

Splitting: on whitespace and punctuation, except where the punctuation is part of a
term people use as one word:
- `&` between word parts: "TT&TT", "KH&ĐT", "KH&CN";
- `/`, `.` or `,` between digits: "100/100", "500.000", "22,69", "16/10/2024",
  "14/2022" (so a date or a document number never yields a bare year token);
- `-` between ASCII letters/digits when a letter is involved: "I-Speed", "Wi-Fi",
  "KH-UBND", "COVID-19"; but "2023-2025" is two years and "Rịa-Vũng" two syllables;
- `%` is kept as a token of its own ("bao nhiêu %" asks for a rate).
Syllables stay separate tokens (no word segmentation): compounds such as "cáp quang"
are covered by the word bigrams of the featurizer.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from core.text import fold

# A run of letters/digits *including combining marks*, so that NFD input
# ("Tie\u0302\u0300n") stays one token; runs joined by a connector are examined below.
_W = r"[\w\u0300-\u036f]"
_CHUNK = re.compile(rf"(?P<chunk>{_W}+(?:[&\-./,]{_W}+)*)|(?P<percent>%)")
_PART = re.compile(rf"{_W}+")
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]+")
# Letters that look like "Đ" but are not (Icelandic eth, seen in legacy Vietnamese text).
_LOOKALIKES = str.maketrans({"Ð": "Đ", "ð": "đ"})


@dataclass(frozen=True)
class Piece:
    text: str      # feature form: folded
    start: int     # offsets into the original text
    end: int
    original: str  # text[start:end]
    spelling: str  # NFC, lowercase, diacritics kept: "tốc", "đúng" (≠ "dừng")


def normalize_token(raw: str) -> str:
    """The feature form of one token: NFC, lowercase, no diacritics, đ → d."""
    return fold(unicodedata.normalize("NFC", raw).translate(_LOOKALIKES))


def spelling(raw: str) -> str:
    """One token as spelled, normalised: NFC, lowercase, diacritics kept."""
    return unicodedata.normalize("NFC", raw.translate(_LOOKALIKES)).lower()


def _joins(connector: str, left: str, right: str) -> bool:
    """Whether `left<connector>right` stays one token."""
    if connector == "&":
        return True
    if connector in "/.,":
        return left[-1:].isdigit() and right[:1].isdigit()
    if connector == "-":
        return (
            bool(_ASCII_ALNUM.fullmatch(left))
            and bool(_ASCII_ALNUM.fullmatch(right))
            and not (left.isdigit() and right.isdigit())
        )
    return False


def _split_chunk(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans (absolute offsets) of the tokens inside one chunk text[start:end]."""
    spans: list[list[int]] = []
    previous = None  # the previous *part*: the left operand of a connector
    for part in _PART.finditer(text, start, end):  # absolute offsets
        if previous is not None:
            connector = text[previous.end():part.start()]
            if len(connector) == 1 and _joins(connector, previous.group(), part.group()):
                spans[-1][1] = part.end()
                previous = part
                continue
        spans.append([part.start(), part.end()])
        previous = part
    return [(s, e) for s, e in spans]


def segment(text: str) -> list[Piece]:
    """Tokens of `text` (see the module docstring)."""
    pieces = []
    for match in _CHUNK.finditer(text):
        if match.group("percent"):
            spans = [(match.start(), match.end())]
        else:
            spans = _split_chunk(text, match.start(), match.end())
        for start, end in spans:
            original = text[start:end]
            folded = normalize_token(original)
            if folded:
                pieces.append(Piece(folded, start, end, original, spelling(original)))
    return pieces
