"""Catalogue fields proposed from a plan document's own header and signature block,
for the operator to confirm (`python -m index preview`, the admin page).

Vietnamese administrative documents (Nghị định 30/2020/NĐ-CP, Phụ lục I) open with
"Số: 540/KH-UBND", "<place>, ngày 26 tháng 12 năm 2023", "KẾ HOẠCH" and the plan's
name on the next line, and close with the signer's title ("TM. ỦY BAN NHÂN DÂN",
"KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH") above the signer's name. What the document leaves
blank stays blank: "Số: /KH-UBND" gives no number, "ngày tháng năm 2023" gives "2023".
Nothing is looked up elsewhere and nothing is guessed.
"""
import re

from core.text import fold
from index.plans.sections import strip_markdown

# Only the first lines hold the header; the legal bases ("Căn cứ ...") end it.
_HEADER_LINES = 20
_BODY_OPENERS = ("can cu", "thuc hien", "xet de nghi", "theo de nghi")
_NUMBER = re.compile(r"^Số\s*:?\s*(\d[\w.]*)\s*/\s*([A-ZĐ][\wĐ-]*)", re.I)
_FULL_DATE = re.compile(r"ngày\s+(\d{1,2})\s*(?:tháng|/)\s*(\d{1,2})\s*(?:năm|/)\s*(\d{4})", re.I)
_MONTH_DATE = re.compile(r"tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.I)
_YEAR_DATE = re.compile(r"ngày\b.*?năm\s+(\d{4})", re.I)
_PERIODS = (
    (re.compile(r"giai đoạn\s+(\d{4})\s*[-–]\s*(\d{4})", re.I), "{0} - {1}"),
    (re.compile(r"năm\s+(\d{4})\s*,\s*định hướng đến năm\s+(\d{4})", re.I), "{0}, định hướng đến năm {1}"),
    (re.compile(r"đến năm\s+(\d{4})", re.I), "đến năm {0}"),
    (re.compile(r"năm\s+(\d{4})", re.I), "{0}"),
)
_UNIT = re.compile(r"\b(tỉnh|thành phố)\s+((?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*\s*)+)")
_SIGNATURE_TITLE = re.compile(r"\b(CHỦ TỊCH|ỦY BAN NHÂN DÂN|UỶ BAN NHÂN DÂN)\b")


def _lines(text: str) -> list[str]:
    out = []
    for raw in text.splitlines():
        cleaned, _ = strip_markdown(raw)
        if cleaned:
            out.append(cleaned)
    return out


def _header(lines: list[str]) -> list[str]:
    header = []
    for line in lines[:_HEADER_LINES]:
        if fold(line).startswith(_BODY_OPENERS):
            break
        header.append(line)
    return header


def _number(header: list[str]) -> str:
    for line in header:
        if match := _NUMBER.match(line):
            return f"{match.group(1)}/{match.group(2)}"
    return ""


def _date(header: list[str]) -> str:
    for line in header:
        if match := _FULL_DATE.search(line):
            day, month, year = match.groups()
            return f"{year}-{int(month):02d}-{int(day):02d}"
        if match := _MONTH_DATE.search(line):
            return f"{match.group(2)}-{int(match.group(1)):02d}"
        if match := _YEAR_DATE.search(line):
            return match.group(1)
    return ""


def _title(header: list[str]) -> str:
    """The line after "KẾ HOẠCH", as "Kế hoạch <name>"."""
    for line, following in zip(header, header[1:]):
        if fold(line) == "ke hoach":
            name = following.strip()
            if fold(name).startswith("ke hoach"):
                return name[0].upper() + name[1:]
            return f"Kế hoạch {name[0].lower()}{name[1:]}"
    return ""


def _period(title: str) -> str:
    for pattern, template in _PERIODS:
        if match := pattern.search(title):
            return template.format(*match.groups())
    return ""


def _province(title: str) -> str:
    """The province or city the title names ("... tỉnh Tiền Giang giai đoạn ..."), else ""."""
    if match := _UNIT.search(title):
        words = match.group(2).split()
        # The unit's name ends at the first word that is not capitalised.
        name = []
        for word in words:
            if not word[0].isupper():
                break
            name.append(word)
        return " ".join(name)
    # The place before the date ("Tân Phú, ngày ...") may be a commune: not a guess we make.
    return ""


def _is_name(line: str) -> bool:
    words = line.split()
    return 2 <= len(words) <= 5 and all(w[0].isupper() and w[1:].islower() and w.isalpha() for w in words)


def _signature(lines: list[str]) -> tuple[str, str]:
    """(signer, signer_title) from the closing lines; blanks when the plan is unsigned."""
    tail = lines[-8:]
    titles = [i for i, line in enumerate(tail) if _SIGNATURE_TITLE.search(line)]
    if not titles:
        return "", ""
    names = [line for line in tail[titles[-1] + 1:] if _is_name(line)]
    if not names:
        return "", ""
    block = fold(" ".join(tail[titles[0]:titles[-1] + 1]))
    if "kt. chu tich" in block or "pho chu tich" in block:
        return names[0], "KT. Chủ tịch, Phó Chủ tịch UBND tỉnh"
    return names[0], "Chủ tịch UBND tỉnh"


def propose_catalog(text: str, file_name: str) -> dict:
    """Catalogue fields read from the document: {id, file, province, title, number, date,
    period, status, signer, signer_title}; "" where the document says nothing.

    status is "draft" when the header says "Dự thảo" or no signer's name closes the
    document, else "issued" (data/plans/catalog.yml uses the same rule)."""
    lines = _lines(text)
    header = _header(lines)
    title = _title(header)
    province = _province(title)
    signer, signer_title = _signature(lines)
    draft = any("du thao" in fold(line) for line in header) or not signer
    return {
        "id": re.sub(r"[^a-z0-9]+", "-", fold(province)).strip("-"),
        "file": file_name, "province": province, "title": title,
        "number": _number(header), "date": _date(header), "period": _period(title),
        "status": "draft" if draft else "issued", "signer": signer, "signer_title": signer_title,
    }
