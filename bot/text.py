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


# Personal data is found on a folded copy of the message (lower case, no diacritics,
# one character for one: "Tên tôi là" and "ten toi la" match alike) and replaced in the
# message itself at the same positions.
def _fold_chars(text: str) -> str:
    folded = []
    for char in text:
        one = fold(char) if not char.isspace() else " "
        folded.append(one if len(one) == 1 else (char.lower() if len(char.lower()) == 1 else "?"))
    return "".join(folded)


# Between the groups of a number: a space, or ".", "-", "_", "/", "," with spaces around
# ("0912 - 345 - 678", "0912/345/678", "001_203_004_567", "0912. 345. 678").
_SEP = r"(?:\s*[.\-_/,·]\s*|\s+)"
# E-mail addresses, also written to dodge filters: "lan@mail", "lan @ gmail . com",
# "lan [at] gmail [dot] com", "lan(at)gmail.com", "lan a còng gmail chấm com". A part
# after a spaced dot is a short lower-case ASCII word (a domain label, not a sentence).
_AT = r"(?:\s*@\s*|\s*[\[(]\s*(?:at|a cong)\s*[\])]\s*|\s+a cong\s+|\s+acong\s+)"
_DOT = r"(?:\.|\s+\.\s*|\.\s+|\s*[\[(]\s*(?:dot|cham)\s*[\])]\s*|\s+(?:dot|cham)\s+)"
_EMAIL = re.compile(rf"[\w.+-]+{_AT}[\w-]+(?:{_DOT}[a-z0-9-]{{2,24}}\b)*")
# Vietnamese phone numbers: 0xx, +84, 84 or (+84) then 8-10 more digits, in groups split
# by any separator ("0912 345 678", "+84-912.345.678", "(+84) 912 345 678").
_PHONE = re.compile(rf"(?<![\d+])(?:\(\s*\+?\s*84\s*\)|\+\s*84|84|0)(?:{_SEP}?\d){{8,10}}(?!{_SEP}?\d)")
# Runs of digit groups joined by separators: "123 456 789" (CMND), "0012 0300 4567"
# (CCCD), "1903 5678 9012 345" (bank account), "4111-1111-1111-1111" (card), also glued
# to words ("sdt0912345678", "CCCD012345678901"). Masked from 9 digits on
# (_is_personal_number says which runs stay).
_DIGIT_GROUPS = re.compile(rf"(?<![\d.,/])\d+(?:{_SEP}\d+)*(?![\d/])")
_PERSONAL_MIN_DIGITS = 9
_NON_YEAR_MIN_DIGITS = 6    # "2025 2030 100 54" is years and figures, not an ID
_YEAR = re.compile(r"(?:19|20)\d\d")
# Public service numbers: "gọi 113 114 115" names three hotlines, not a person.
_SERVICE = re.compile(r"11[1-9]|18001?\d*|1900\d*")
# A figure's unit right after the run: its last group is a decimal part ("54,83%").
_UNIT_AFTER = re.compile(r"\s?(?:%|mbps|gbps|kbps|mb\b|gb\b|km\b|ha\b|nguoi\b|ho\b|tram\b|dan\b|"
                         r"thue bao|xa\b|thon\b|diem\b|may\b|truong\b|ban\b)")
# An amount of money is the question's substance, not a person's number.
_MONEY_AFTER = re.compile(r"\s?(?:đồng|đ\b|vnđ|vnd|tỷ|triệu|nghìn|ngàn|dong\b|ty\b|trieu|nghin|ngan)",
                          re.IGNORECASE)
# Digits written in words (folded): "không chín một hai, ba bốn năm - sáu bảy tám".
_DIGIT_WORDS = {"khong": 0, "linh": 0, "mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5,
                "lam": 5, "sau": 6, "bay": 7, "tam": 8, "chin": 9}
_DIGIT_TOKEN = r"(?:\d+|" + "|".join(sorted(_DIGIT_WORDS, key=len, reverse=True)) + r")"
_NUMBER_IN_WORDS = re.compile(rf"\b{_DIGIT_TOKEN}(?:{_SEP}{_DIGIT_TOKEN}\b)+")
# A name after the words that introduce it ("tên tôi là Nguyễn Văn An", "tôi tên Lan",
# "họ và tên: ..."): up to five words, until punctuation or a word that starts the rest
# of the sentence.
_NAME_CUE = re.compile(
    r"\b(?:(?:ten|ho ten|ho va ten)\s+(?:cua\s+)?(?:toi|em|minh|chau|con|tui|tao|anh|chi|ong|ba)\b\s*(?:la\b|:)?"
    r"|(?:toi|em|minh|chau|con|tui|anh|chi)\s+ten\s+(?:la\s+)?"
    r"|(?:ho va ten|ho ten|ten nguoi gui|nguoi gui)\s*(?:la|:)"
    r"|(?:toi|em|minh|chau)\s+la\s+(?:ong|ba|anh|chi|co|chu|bac)\s)\s*")
# Words that end a name: never a name's syllable once folded ...
_TITLE_CUE = re.compile(r"\bla\s+(ong|ba|anh|chi|co|chu|bac)\s*$")
_TITLES = {"ông", "bà", "anh", "chị", "cô", "chú", "bác"}
_NAME_STOP = {"o", "va", "nha", "so", "muon", "xin", "co", "la", "tai", "tuoi", "thuong", "tru", "toi",
              "em", "dia", "dt", "sdt", "email", "cccd", "cmnd", "nhung", "ma", "hay", "khong", "duoc",
              "bi", "cua", "gui", "cho", "voi", "hoac", "xa", "phuong", "huyen", "tinh", "thon", "ap",
              "xom", "quan", "tp", "thanh", "hien"} - {"thanh"}
# ... or written with the diacritics of a common word, not a name ("thì", not "Thị").
_NAME_STOP_WRITTEN = {"năm", "tự", "từ", "làm", "hiện", "đang", "sống", "quê", "cần", "mình", "thì",
                      "hỏi", "để", "vì", "sinh", "nơi", "đến", "sẽ", "đã", "rất", "muốn", "tại", "ở"}
# An address: its street part ("số 12 ngõ 34 đường Lê Lợi", "nhà tôi ở số 5/7 hẻm 3"),
# after a cue ("địa chỉ", "nhà tôi ở", "số nhà") or from a house number followed by a
# street word; it ends at punctuation or where the commune, district or province
# begins (those stay: they say which plan answers).
_ADDRESS_CUE = re.compile(
    r"\b(?:dia chi(?:\s+(?:cua\s+)?(?:toi|em|minh|nha))?\s*(?:la|:|o)?|so nha|nha so"
    r"|(?:nha|toi|em|minh|chung toi|gia dinh toi)\s+(?:o|tai|o tai|song o|song tai)(?=\s+(?:so|\d|ngo|ngach|hem|kiet|duong|pho))"
    r"|\d+[a-z]?(?:/\d+[a-z]?)*(?=\s+(?:ngo|ngach|hem|kiet|duong|pho)\b))\s*")
_ADDRESS_END = re.compile(r"[,.;:!?()\n]|\b(?:xa|phuong|thi tran|huyen|quan|thi xa|thanh pho|tinh|tp|co|thi|bi|khong|va|"
                          r"nhung|ma|muon|hoi|xin|sao|the nao|duoc|chua|o day|song|mang|internet|wifi)\b")

PHONE_TAG, EMAIL_TAG, NUMBER_TAG = "[số điện thoại]", "[email]", "[dãy số]"
NAME_TAG, ADDRESS_TAG = "[họ tên]", "[địa chỉ]"


def _is_personal_number(digits: str, string: str, end: int) -> bool:
    """A run of 9 or more digits (groups split by _SEP), unless it is mostly years
    ("2023 2024 2025", "2025 2030 100 54": fewer than 6 digits outside 19xx/20xx groups)
    or an amount followed by its currency ("1.500.000.000 đồng")."""
    groups = re.findall(r"\d+", digits)
    if _UNIT_AFTER.match(string, end):
        groups = groups[:-1]
    if all(_SERVICE.fullmatch(group) for group in groups):
        return False
    if sum(len(group) for group in groups) < _PERSONAL_MIN_DIGITS:
        return False
    if sum(len(group) for group in groups if not _YEAR.fullmatch(group)) < _NON_YEAR_MIN_DIGITS:
        return False
    return not _MONEY_AFTER.match(string, end)


def _words_as_digits(match: re.Match) -> str:
    return "".join(str(_DIGIT_WORDS.get(token, token)) for token in re.findall(r"\w+", match.group()))


def _spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, tag) of the personal data in `text`, found on its folded copy."""
    folded = _fold_chars(text)
    spans = []
    for pattern, tag in ((_EMAIL, EMAIL_TAG), (_PHONE, PHONE_TAG)):
        spans += [(m.start(), m.end(), tag) for m in pattern.finditer(folded)]
    for m in _DIGIT_GROUPS.finditer(folded):
        if _is_personal_number(m.group(), folded, m.end()):
            spans.append((m.start(), m.end(), NUMBER_TAG))
    for m in _NUMBER_IN_WORDS.finditer(folded):
        digits = _words_as_digits(m)
        if not re.search(r"[a-z]", m.group()):
            continue                               # digits only: _DIGIT_GROUPS's business
        if _is_personal_number(" ".join(digits), folded, m.end()):
            phone = digits.startswith("0") and len(digits) in (10, 11)
            spans.append((m.start(), m.end(), PHONE_TAG if phone else NUMBER_TAG))
    for m in _NAME_CUE.finditer(folded):
        start = end = m.end()
        title = _TITLE_CUE.search(m.group())
        if title and not text[start:start + 1].isupper():
            # "tôi là chủ đầu tư", "toi la co ...": only a kinship title as written
            # (ông, bà, chú...; unaccented, not the ambiguous "chu", "co") starts a name
            written = text[m.start() + title.start(1):m.start() + title.end(1)].lower()
            if written not in _TITLES and (not written.isascii() or written in ("chu", "co")):
                continue
        for word in re.finditer(r"[^\W\d_]+", folded[start:]):
            gap = folded[end:start + word.start()]
            written = text[start + word.start():start + word.end()].lower()
            if gap.strip() or word.start() > (end - start) + 3 or \
                    word.group() in _NAME_STOP or written in _NAME_STOP_WRITTEN:
                break
            end = start + word.end()
            if len(folded[m.end():end].split()) >= 5:
                break
        if end > start:
            spans.append((start, end, NAME_TAG))
    for m in _ADDRESS_CUE.finditer(folded):
        start = m.start() if m.group()[:1].isdigit() else m.end()
        stop = _ADDRESS_END.search(folded, m.end())
        end = stop.start() if stop else len(folded)
        end = start + len(folded[start:end].rstrip())
        if end > start and (re.search(r"(?<![a-z])\d", folded[start:end]) or
                            re.search(r"\b(?:ngo|ngach|hem|kiet|duong|pho)\b", folded[start:end])):
            spans.append((start, end, ADDRESS_TAG))
    return spans


def scrub(text: str) -> str:
    """The text with personal data replaced by tags: e-mail addresses (spaced or spelled
    out too) by "[email]", Vietnamese phone numbers by "[số điện thoại]", ID card (CMND
    9 digits, CCCD 12), bank account and card numbers (9+ digits, in groups split by any
    of space . - _ / , or written in words) by "[dãy số]", a name after "tên tôi là"
    and the like by "[họ tên]", the street part of an address ("số 12 ngõ 34 …") by
    "[địa chỉ]". Years, speeds, percentages, document numbers, amounts of money and
    communes, districts and provinces are kept. Idempotent."""
    spans = sorted(_spans(text), key=lambda span: (span[0], -span[1]))
    out, position = [], 0
    for start, end, tag in spans:
        if start < position:                      # inside (or overlapping) a span already masked
            if end > position:
                position = end
            continue
        out.append(text[position:start])
        out.append(tag)
        position = end
    out.append(text[position:])
    return "".join(out)


_PUNCTUATION = re.compile(r"[^\w\[\] ]+", re.UNICODE)


def question_key(text: str) -> str:
    """How unanswered questions are grouped: folded, without punctuation."""
    return " ".join(_PUNCTUATION.sub(" ", fold(text)).split())
