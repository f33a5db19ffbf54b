"""Catalogue fields proposed from a plan document's own header and signature block,
for the operator to confirm (`python -m index preview`, the admin page).

Vietnamese administrative documents (Nghị định 30/2020/NĐ-CP, Phụ lục I) open with
"Số: 540/KH-UBND", "<place>, ngày 26 tháng 12 năm 2023", "KẾ HOẠCH" and the plan's
name on the next line, and close with the signer's title ("TM. ỦY BAN NHÂN DÂN",
"KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH") above the signer's name. What the document leaves
blank stays blank: "Số: /KH-UBND" gives no number, "ngày tháng năm 2023" gives "2023".
Nothing is looked up elsewhere and nothing is guessed.

Real copies differ from the template: the header table is cut into cells ("Hà Nội, ngày"
/ "24 tháng 11 năm 2025"), the title runs over lines and is in capitals, a legal site adds
its own table ("| Người ký | Đoàn Thanh Sơn |"), a department's draft has no header at
all ("Sở Thông tin và Truyền thông ban hành Kế hoạch ... với những nội dung sau"), the
signature is followed by an appendix. `read_header(text)` gives, beside the catalogue
fields, who issued the plan (UBND tỉnh / thành phố / xã / phường, a Sở), hence province
or commune, and the plan's kind.

Status: "draft" when the header says "Dự thảo"; "issued" when a signer's name closes the
body, or when the document has its number and its full date (both are given at
signing); "draft" otherwise.
"""
import re
from functools import lru_cache

from core import knowledge
from core.text import fold
from index.plans.copy_noise import join_split_emphasis
from index.plans.sections import strip_markdown

# Only the first lines hold the header; the legal bases ("Căn cứ ...") end it.
_HEADER_LINES = 40
_BODY_OPENERS = ("can cu", "thuc hien", "xet de nghi", "theo de nghi")
_NUMBER = re.compile(r"^\|?\s*Số\s*:?\s*(\d[\w.]*)\s*/\s*([A-ZĐ][\wĐ-]*)", re.I)
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
_SIGNATURE_TITLE = re.compile(r"\b(CHỦ TỊCH|ỦY BAN NHÂN DÂN|UỶ BAN NHÂN DÂN|GIÁM ĐỐC)\b")


def _lines(text: str) -> list[str]:
    """Cleaned non-empty lines; bold spans cut over lines joined, table rules dropped."""
    out = []
    for raw in join_split_emphasis(text.splitlines()):
        cleaned, _ = strip_markdown(raw)
        if cleaned and cleaned.strip("|-_ "):
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
    """The date of the header, also when the header table cut it ("ngày" / "24 tháng 11
    năm 2025"): searched in the header joined into one text."""
    text = " ".join(line.strip(" |*") for line in header)
    # The document's own date follows its place ("Hà Nội, ngày ..."); other dates in the
    # header belong to documents it cites.
    if anchor := re.search(r"[\wÀ-ỹ],\s*ngày\b", text):
        text = text[anchor.start():anchor.start() + 80]
    if match := _FULL_DATE.search(text):
        day, month, year = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    if match := _MONTH_DATE.search(text):
        return f"{match.group(2)}-{int(match.group(1)):02d}"
    if match := _YEAR_DATE.search(text):
        return match.group(1)
    return ""


_TITLE_HEAD = re.compile(r"^(KẾ HOẠCH(?: HÀNH ĐỘNG)?)\s*(.*)$")
_TITLE_STOPS = ("can cu", "thuc hien", "trien khai thuc hien nghi quyet so 57", "xet de nghi", "theo de nghi", "de trien khai", "nham ", "uy ban nhan dan",
                "ubnd", "(kem theo", "phan thu", "quyet dinh", "i.", "i ", "---", "![")
_TITLE_LINES = 4
_ACRONYMS = {"iot": "IoT", "cntt": "CNTT", "kcn": "KCN", "ai": "AI", "grdp": "GRDP", "ubnd": "UBND", "ict": "ICT",
             "xhcn": "XHCN", "tt&tt": "TT&TT", "hđnd": "HĐND", "nq": "NQ", "tu": "TU", "kh": "KH"}


@lru_cache(maxsize=1)
def _unit_names() -> tuple[str, ...]:
    """Names of the 34 provincial units and the 63 former ones (data/knowledge/provinces.yml)."""
    units = knowledge.load("provinces.yml")["units"]
    names = [unit["name"] for unit in units]
    return tuple(sorted(names, key=len, reverse=True))


def _canonical_unit(name: str) -> str:
    folded = fold(name)
    return next((unit for unit in _unit_names() if fold(unit) == folded), "")


def _title_case_words(text: str) -> str:
    return " ".join(word[:1].upper() + word[1:].lower() for word in text.split())


def _sentence_case(title: str, names: list[str]) -> str:
    """A title in capitals as a sentence: "PHÁT TRIỂN HẠ TẦNG 5G, IOT ... HÀ NỘI" →
    "phát triển hạ tầng 5G, IoT ... Hà Nội"; place names restored from `names`."""
    if title != title.upper():
        return title
    words = []
    for word in title.split():
        core = word.strip(",.;:()")
        lower = core.lower()
        if any(ch.isdigit() for ch in core) or lower in _ACRONYMS:
            replacement = _ACRONYMS.get(lower, core)
        else:
            replacement = lower
        words.append(word.replace(core, replacement, 1) if core else word)
    text = " ".join(words)
    for name in sorted(set(names) | set(_unit_names()), key=len, reverse=True):
        if name:
            text = re.sub(rf"(?<!\w){re.escape(name.lower())}(?!\w)", name, text)
    return text


def _starts_sentence(line: str, parts: list[str]) -> bool:
    """A title in capitals ends where a line in ordinary case begins ("Triển khai thực
    hiện Nghị quyết ..." after "PHÁT TRIỂN ... ĐẾN NĂM 2030")."""
    return all(part.isupper() for part in parts) and not line.isupper() and len(line.split()) >= 3


def _caps_title(header: list[str]) -> str:
    """A header with no "KẾ HOẠCH" line: the first line in capitals after the date that
    is no part of the national motto or of the issuer ("CHUYỂN ĐỔI SỐ TỈNH ĐẮK LẮK NĂM 2026")."""
    dated = next((i for i, line in enumerate(header) if re.search(r",\s*ngày\b", line)), None)
    if dated is None:
        return ""
    for line in header[dated + 1:dated + 4]:
        text = line.strip(" |*")
        folded = fold(text)
        if text.isupper() and len(text.split()) >= 3 and not folded.startswith(("cong hoa", "doc lap", "uy ban")):
            return text
    return ""


def _title(header: list[str], names: list[str]) -> str:
    """The lines after "KẾ HOẠCH" (up to four, until the body starts), as "Kế hoạch <name>"."""
    for index, line in enumerate(header):
        head = _TITLE_HEAD.match(line.strip(" |*"))
        if not head or fold(line.strip(" |*")).startswith("ke hoach so"):
            continue
        kind = head.group(1)
        parts = [head.group(2)] if head.group(2) else []
        for following in header[index + 1:]:
            following = following.strip(" |*")
            folded = fold(following)
            if parts and (folded.startswith(_TITLE_STOPS) or not following or _starts_sentence(following, parts)):
                break
            if following:
                parts.append(following)
            if len(parts) == _TITLE_LINES:
                break
        name = " ".join(parts).strip()
        if not name:
            break
        name = _sentence_case(name, names)
        prefix = "Kế hoạch hành động" if kind.endswith("HÀNH ĐỘNG") else "Kế hoạch"
        if fold(name).startswith("ke hoach"):
            return name[0].upper() + name[1:]
        return f"{prefix} {name[0].lower()}{name[1:]}"
    caps = _caps_title(header)
    if caps:
        name = _sentence_case(caps, names)
        return f"Kế hoạch {name[0].lower()}{name[1:]}"
    return ""


_ISSUED_IN_BODY = re.compile(r"((?:Sở|Ủy ban nhân dân|UBND)[^,;.]{0,80}?)\s+ban hành\s+(Kế hoạch[^.;]{10,200}?)"
                             r"(?:,?\s+(?:với|như sau|cụ thể|gồm)\b|[.;:]|$)")


def _title_in_body(lines: list[str]) -> tuple[str, str]:
    """(issuer, title) from "<body> ban hành Kế hoạch <name>, với những nội dung sau" in
    the first lines of a plan that has no header (a department's draft)."""
    for line in lines[:_HEADER_LINES]:
        if match := _ISSUED_IN_BODY.search(line):
            return match.group(1).strip(), match.group(2).strip()
    return "", ""


def _period(title: str) -> str:
    for pattern, template in _PERIODS:
        if match := pattern.search(title):
            return template.format(*match.groups())
    return ""


def _province(title: str) -> str:
    """The province or city the title names ("... tỉnh Tiền Giang giai đoạn ..."), else ""."""
    for match in _UNIT.finditer(title):
        words = match.group(2).split()
        for size in (3, 2, 1):
            if known := _canonical_unit(" ".join(words[:size])):
                return known
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


_ISSUER_LEVELS = ("TỈNH", "THÀNH PHỐ", "XÃ", "PHƯỜNG", "ĐẶC KHU", "HUYỆN", "QUẬN", "THỊ XÃ")
_ISSUER = re.compile(r"^(?:ỦY|UỶ) BAN NHÂN DÂN(?:\s+(" + "|".join(_ISSUER_LEVELS) + r")\s+([^|]+?))?\s*\|?$")
_LEVEL_LINE = re.compile(r"^(" + "|".join(_ISSUER_LEVELS) + r")\s+([^|]+?)\s*\|?$")
_SITE_ISSUER = re.compile(r"Cơ quan ban hành\s*\|?\s*(Tỉnh|Thành phố)\s+([^|]+?)\s*\|?$", re.I)
_PLACE_DATE = re.compile(r"^\|?\s*\*?([A-ZĐÀ-Ỹ][\wÀ-ỹ]*(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){0,3}),\s*ngày\b")


def _issuer(header: list[str]) -> tuple[str, str]:
    """(level, name) of the issuing People's Committee: ("thành phố", "Hà Nội"),
    ("xã", "Tịnh Trà"); ("", "") when the header does not say."""
    for index, line in enumerate(header):
        text = line.strip(" |*")
        match = _ISSUER.match(text)
        if not match:
            continue
        if match.group(1):
            return match.group(1).lower(), _title_case_words(match.group(2).strip(" -"))
        for following in header[index + 1:index + 3]:
            if found := _LEVEL_LINE.match(following.strip(" |*")):
                return found.group(1).lower(), _title_case_words(found.group(2).strip(" -"))
    for line in header:
        if found := _SITE_ISSUER.search(line):
            return found.group(1).lower(), found.group(2).strip()
    return "", ""


def _place_of_date(header: list[str]) -> str:
    for line in header:
        if match := _PLACE_DATE.match(line.strip()):
            return match.group(1)
    return ""


_KINDS = (("5G/IoT", ("5g", "iot")), ("chất lượng mạng di động", ("chat luong mang",)),
          ("kinh tế số, xã hội số", ("kinh te so", "xa hoi so")), ("hạ tầng số", ("ha tang so", "ha tang vien thong")),
          ("chuyển đổi số", ("chuyen doi so", "chinh quyen so", "chinh phu so")))


def plan_kind(title: str) -> str:
    """The kind of plan its title names: 5G/IoT, chất lượng mạng di động, kinh tế số, xã
    hội số, hạ tầng số, chuyển đổi số; "" when none."""
    found = re.findall(r"[\w/]+", fold(title))
    words = f" {' '.join(found)} "
    for kind, cues in _KINDS:
        if any(f" {cue} " in words or f" {cue}," in words for cue in cues):
            return kind
    return ""


def _is_name(line: str) -> bool:
    words = line.split()
    return 2 <= len(words) <= 5 and all(w[0].isupper() and w[1:].islower() and w.isalpha() for w in words)


_APPENDIX = re.compile(r"^(?:PHỤ LỤC|Phụ lục)\b")
_SITE_SIGNER = re.compile(r"Người ký\s*\|?\s*([^|]+?)\s*\|?$")


def _body_lines(lines: list[str]) -> list[str]:
    """The lines up to the appendix that follows the signature, if any."""
    recipients = next((i for i, line in enumerate(lines) if fold(line).startswith("noi nhan")), None)
    if recipients is None:
        return lines
    for index in range(recipients, len(lines)):
        if _APPENDIX.match(lines[index]):
            return lines[:index]
    return lines


def _signature(lines: list[str], level: str) -> tuple[str, str]:
    """(signer, signer_title) from the closing lines of the body (before an appendix);
    blanks when the plan is unsigned."""
    tail = [line.strip(" |*") for line in _body_lines(lines)[-12:]]
    tail = [line for line in tail if line]
    titles = [i for i, line in enumerate(tail) if _SIGNATURE_TITLE.search(line)]
    if not titles:
        return "", ""
    names = [line for line in tail[titles[-1] + 1:] if _is_name(line)]
    if not names:
        return "", ""
    block = fold(" ".join(tail[titles[0]:titles[-1] + 1]))
    unit = f"UBND {level or 'tỉnh'}"
    if "giam doc" in block:
        return names[0], "Phó Giám đốc" if "pho giam doc" in block else "Giám đốc"
    if "kt. chu tich" in block or "pho chu tich" in block:
        return names[0], f"KT. Chủ tịch, Phó Chủ tịch {unit}"
    return names[0], f"Chủ tịch {unit}"


def read_header(text: str) -> dict:
    """What the document says of itself beyond the catalogue fields:
    {issuer: "UBND thành phố Hà Nội" | "UBND xã Tịnh Trà" | "Sở Thông tin và Truyền thông"
     | "", level: "tỉnh" | "thành phố" | "xã" | "phường" | "sở" | "", commune: name of the
     commune or ward that issued it, or "", kind: plan_kind(title)}."""
    return _read(text)[1]


def _read(text: str) -> tuple[dict, dict]:
    lines = _lines(text)
    header = _header(lines)
    level, place = _issuer(header)
    body_issuer, body_title = _title_in_body(lines)
    names = [place] if place else []
    title = _title(header, names) or body_title
    province = _province(title)
    if not province and level in ("tỉnh", "thành phố"):
        province = _canonical_unit(place) or place
    if not province and (named := _canonical_unit(_place_of_date(header))):
        province = named
    signer, signer_title = _signature(lines, level)
    number, date = _number(header), _date(header)
    if not signer:
        signer = next((m.group(1) for line in header if (m := _SITE_SIGNER.search(line))), "")
    full_date = re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) is not None
    draft = any("du thao" in fold(line) for line in header) or not (signer or (number and full_date))
    if body_issuer and not level:
        said = re.match(r"(?:UBND|Ủy ban nhân dân)\s+(tỉnh|thành phố|xã|phường)", body_issuer, re.I)
        level = "sở" if body_issuer.startswith("Sở") else said.group(1).lower() if said else ""
        place = place or (province if level in ("tỉnh", "thành phố") else "")
    issuer = f"UBND {level} {place}" if level and level != "sở" and place else body_issuer
    fields = {
        "id": re.sub(r"[^a-z0-9]+", "-", fold(province)).strip("-"),
        "file": "", "province": province, "title": title,
        "number": number, "date": date, "period": _period(title),
        "status": "draft" if draft else "issued", "signer": signer, "signer_title": signer_title,
    }
    extra = {"issuer": issuer, "level": level, "commune": place if level in ("xã", "phường", "đặc khu") else "",
             "kind": plan_kind(title)}
    return fields, extra


def propose_catalog(text: str, file_name: str) -> dict:
    """Catalogue fields read from the document: {id, file, province, title, number, date,
    period, status, signer, signer_title}; "" where the document says nothing.

    status is "draft" when the header says "Dự thảo", "issued" when a signer's name closes
    the body or the document has its number and full date, else "draft"."""
    fields, _ = _read(text)
    fields["file"] = file_name
    return fields
