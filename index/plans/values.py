"""Targets (mục tiêu) and current status (hiện trạng) values of a plan.

Open vocabulary: every quantified line a plan states as a target or a current value is a
record, with the indicator phrase as the plan writes it (`label`), the value with its
qualifier and unit ("tối thiểu 1 trạm phát sóng 5G", "trên 70 %", "36 Mbps"), the year,
the scope, section, page and line. A canonical indicator id (data/knowledge/
indicators.yml) is a link for comparisons and synonyms when the label maps to one; ""
otherwise, and the record is still answerable (questions reach it by its words).

Where real plans put targets: under "Mục tiêu", "Chỉ tiêu", "Mục tiêu cụ thể", in
indicator tables ("Tên chỉ tiêu | Đơn vị tính | Chỉ tiêu"), and, in a plan with no such
heading at all, in the numbered subject blocks before its tasks ("Nhiệm vụ", "Giải
pháp", "Tổ chức thực hiện"). Status: "Hiện trạng", "Thực trạng", "Kết quả", and lines
of a target section that start "Hiện nay", "Đến nay" ("... đến nay đạt 60 %").

A value is a number with its unit and qualifier in a target or status section:
"Tỷ lệ dùng chung vị trí BTS: 30%", "... đạt trên 85%", "tối thiểu 40 Mbit/s",
"100% cơ quan, tổ chức nhà nước, 70% doanh nghiệp sử dụng nền tảng số", or a count in
prose ("... với 169 đường truyền"). Each value is mapped to a canonical indicator
(core/vocabulary.py) and keeps the plan's own label and its exact source line.
Numbers that are not values (years, dates, document numbers, "4G", "thứ 5", anything
in parentheses) are skipped.
"""
import re
from dataclasses import dataclass

from core.text import fold
from core.vocabulary import Indicator, indicator_for_count, indicator_for_label
from index.plans.source import Source
from index.plans.sections import Line, Plan, Section


@dataclass(frozen=True)
class ValueRecord(Source):
    """One target or status value, with the line it was read from (`source`)."""
    kind: str                 # "target" or "status"
    year: int | None
    indicator: str           # canonical id, "" when the label maps to none
    label: str                # the plan's own wording
    value: float
    unit: str
    qualifier: str            # "trên", "tối thiểu", "duy trì", "khoảng", "phấn đấu", ...
    text: str                 # the source line
    denominator: int | None = None     # "172/172 xã": value 172 of 172
    scope: str = ""                    # what the value covers when the line narrows it:
                                       # "khu công nghiệp", "quốc lộ, cao tốc", "xã", ""

    def as_dict(self) -> dict:
        return dict(self.__dict__)


_NUMBER = re.compile(
    r"(?<![\w/.,])"
    r"(?P<number>\d{1,3}(?:\.\d{3})+(?![.,]?\d)|\d+(?:[.,]\d+)?)"
    r"(?:\s*/\s*(?P<denominator>\d+)(?![/\d]))?"
    r"(?:\s*(?P<unit>%|Mbps|Mb/s|Mbit/s|Gbps|Gb/s|Gbit/s)(?![\w/]))?")
_QUALIFIERS = ("tối thiểu", "duy trì", "khoảng", "phấn đấu", "ít nhất", "tối đa", "không quá",
               "không dưới", "trên", "hơn", "dưới", "gần", "quá")
_NOT_A_VALUE_BEFORE = re.compile(r"(năm|ngày|tháng|số|thứ|khóa|khoá|giai đoạn|điều|khoản|mức|cấp độ|nhóm|loại|hạng|phiên bản)\s*$", re.I)
_CONNECTOR = re.compile(r"(?::|\bđạt\b:?|\blà\b)\s*$", re.I)
_PREDICATE_CUES = ("sử dụng", "được", "có", "kết nối")
_YEAR_IN_HEADING = re.compile(r"(?:năm|đến|hết)\s+(?:năm\s+)?(20\d\d)|giai đoạn\s+20\d\d\s*[-–]\s*(20\d\d)", re.I)


@dataclass
class _Match:
    value: float
    denominator: int | None
    unit: str
    qualifier: str
    start: int           # where the qualifier (or number) starts in the clause
    end: int
    noun: str = ""       # what a bare number counts: "trạm phát sóng 5G", "dự án"


# Words that end the noun a count is followed by ("2 dự án trong các khu ...").
_NOUN_STOPS = {"trong", "tại", "tai", "cho", "của", "cua", "và", "va", "với", "voi", "để", "de",
               "trên", "tren", "theo", "được", "duoc", "có", "co", "đạt", "dat", "là", "la",
               "thuộc", "thuoc", "ở", "o", "từ", "tu", "đến", "den", "các", "cac", "mỗi", "moi"}
_NOUN_WORDS = 4


def _count_noun(after: str) -> str:
    """The noun right after a bare number: " trạm phát sóng 5G, ..." → "trạm phát sóng 5G"."""
    head = re.split(r"[,;:.()\[\]|]", after, maxsplit=1)[0]
    words = []
    for word in head.split():
        if word.lower() in _NOUN_STOPS or len(words) == _NOUN_WORDS:
            break
        words.append(word)
    return " ".join(words)


def _parse_number(raw: str) -> float:
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", raw):       # 3.353 → thousands separator
        return float(raw.replace(".", ""))
    return float(raw.replace(",", "."))


_STATED_SHARE = re.compile(r"\(\s*\d+(?:[.,]\d+)?\s*%\s+[^\W\d]")


def _mask_parentheses(text: str) -> str:
    """Blank out parenthesised text, keeping offsets: "(4G)", "(SMP)", "(10 Gbps)",
    footnotes; but not a share the parentheses state as a condition of the target
    ("(95% truy nhập có tốc độ tải xuống đạt yêu cầu)"), of which only the brackets go."""
    def blank(match: re.Match) -> str:
        if _STATED_SHARE.match(match.group()):
            return " " + match.group()[1:-1] + " "
        return " " * len(match.group())
    return re.sub(r"\([^()]*\)", blank, text)


def _values_in(clause: str) -> list[_Match]:
    masked = _mask_parentheses(clause)
    found = []
    for match in _NUMBER.finditer(masked):
        before, after = masked[:match.start()], masked[match.end():]
        # "năm 2025", "ngày 9/6/2022", "số 2224/BTTTT", "4G", "thứ 5" are not values
        if _NOT_A_VALUE_BEFORE.search(before) or re.match(r"[/\w]|-[A-ZĐ]|:\d", after):
            continue
        raw = match.group("number")
        if not match.group("unit") and re.fullmatch(r"(19|20)\d\d", raw):
            continue
        qualifier, start = _qualifier_before(masked, match.start())
        unit = match.group("unit") or ""
        unit = "Mbps" if unit.lower().startswith("mb") else "Gbps" if unit.lower().startswith("gb") else unit
        found.append(_Match(_parse_number(raw), _int(match.group("denominator")), unit,
                            qualifier, start, match.end(), "" if unit else _count_noun(after)))
    return found


def _int(text: str | None) -> int | None:
    return int(text) if text else None


def _qualifier_before(text: str, position: int) -> tuple[str, int]:
    head = text[:position].rstrip()
    for qualifier in _QUALIFIERS:
        if fold(head).endswith(fold(qualifier)) and (len(head) == len(qualifier)
                                                      or not head[-len(qualifier) - 1].isalnum()):
            return qualifier, len(head) - len(qualifier)
    return "", position


_CLAUSE_END = re.compile(r";\s*|(?<=[^\d\s]{2})\.\s+(?=[A-ZĐÀ-Ỹ])")


def _clauses(text: str) -> list[str]:
    """Split a line at ";" and at sentence ends (". " before a capital), but never
    inside parentheses."""
    clauses, start = [], 0
    for boundary in _CLAUSE_END.finditer(_mask_parentheses(text)):
        clauses.append(text[start:boundary.start()])
        start = boundary.end()
    clauses.append(text[start:])
    return [c.strip().rstrip(".").strip() for c in clauses if c.strip()]


def _label_before(clause: str, start: int) -> str:
    head = clause[:start].rstrip()
    head = _CONNECTOR.sub("", head).rstrip(" :")
    return head.strip()


def _value_first_labels(clause: str, matches: list[_Match]) -> list[str]:
    """Labels for "100% cơ quan, tổ chức nhà nước, 70% doanh nghiệp sử dụng nền tảng số":
    each subject, completed by the predicate they share. When the values are not a list
    of parallel subjects ("100% các khu công nghiệp có tối thiểu 1 trạm 5G"), the clause
    is the label of each."""
    segments = [clause[m.end:n.start if n else len(clause)].strip(" ,")
                for m, n in zip(matches, matches[1:] + [None])]
    parallel = all(re.search(r"(?:,|;|\bvà)\s*$", clause[m.end:n.start])
                   for m, n in zip(matches, matches[1:]))
    if len(matches) > 1 and not parallel:
        return [clause] * len(matches)
    segments = [re.sub(r"(?:,|;|\bvà)\s*$", "", segment).strip() for segment in segments]
    last = segments[-1]
    cue = min((last.find(f" {c} ") for c in _PREDICATE_CUES if f" {c} " in f" {last} "), default=-1)
    predicate = last[cue:].strip() if cue >= 0 else ""

    def has_predicate(segment: str) -> bool:
        return any(f" {c} " in f" {segment} " for c in _PREDICATE_CUES)

    labels = [segment if has_predicate(segment) else f"{segment} {predicate}".strip() for segment in segments[:-1]]
    return labels + [last]


_VALUE_FIRST_OPENERS = ("", "phan dau", "trien khai cho", "dat", "phan dau dat", "dam bao", "hoan thanh")


def _is_value_first(clause: str, first: _Match) -> bool:
    """"100% hệ thống ...", "Phấn đấu 50% doanh nghiệp ...": the subject follows the value."""
    return fold(clause[:first.start].strip(" -:")) in _VALUE_FIRST_OPENERS


def _labels(clause: str, matches: list[_Match]) -> list[tuple[str, bool]]:
    """(label, written as a labelled value?) for each value of a clause."""
    if _is_value_first(clause, matches[0]):
        return [(label, True) for label in _value_first_labels(clause, matches)]
    labels = []
    for match in matches:
        head = clause[:match.start].rstrip()
        if match is matches[0] and (match.qualifier or _CONNECTOR.search(head)):
            labels.append((_label_before(clause, match.start), True))
        else:                       # a value in mid-sentence: the clause is its label
            single_measure = len(matches) == 1 and match.unit in ("%", "Mbps")
            labels.append((clause, single_measure))
    return labels


def _records_for_clause(clause: str, line_text: str):
    """(match, label, indicator or None) for each value of one clause. Every value is
    returned: one whose label maps to no canonical indicator keeps the plan's own words
    (indicator None) and stays answerable by them."""
    matches = _values_in(clause)
    if not matches:
        return
    for match, (label, labelled) in zip(matches, _labels(clause, matches)):
        if not match.unit:
            counted = indicator_for_count(clause[match.end:], line_text)
            if counted is not None:
                yield match, clause, counted
                continue
        indicator = indicator_for_label(label)
        if indicator is not None and not match.unit and match.noun and indicator.unit in ("%", "Mbps"):
            indicator = None            # "tối thiểu 1 trạm" in a sentence about a percentage
        if indicator is not None and match.unit and indicator.unit in _MEASURES and match.unit != indicator.unit:
            indicator = None            # a speed is never a share ("... 5G trong khu công nghiệp ... 300 Mb/s")
        if indicator is not None and (labelled or indicator.nouns):
            yield match, label, indicator
        elif _is_quantity(match, label):
            yield match, label or clause, None


_MEASURES = ("%", "Mbps", "Gbps")


def _is_quantity(match: _Match, label: str) -> bool:
    """A value the plan states: a measure (%, Mbps), a count of something named ("2 dự
    án"), or a labelled number ("Số thuê bao .../100 dân: 74,8"). Not: "24/7" and "24/24"
    (round the clock), a number of levels ("giám sát 4 cấp"), one thing said to exist
    ("01 hệ thống Cổng thông tin": a description; "tối thiểu 1 trạm" is a target)."""
    if match.value == 24 and match.denominator in (7, 24):
        return False
    if not match.unit and fold(match.noun).startswith("cap"):
        return False
    if not match.unit and match.value == 1 and not match.qualifier:
        return False
    return bool(match.unit or match.noun or label)


# Headings (folded) that hold targets or status values. The innermost heading decides.
_TARGET_HEADINGS = ("muc tieu", "chi tieu")
_STATUS_HEADINGS = ("hien trang", "thuc trang", "ket qua thuc hien", "ket qua dat duoc", "ket qua trien khai",
                    "danh gia ket qua", "tinh hinh thuc hien")
_NOT_TARGET_HEADINGS = ("tong quat", "muc dich")
# Headings that follow the targets in every template: a plan with no target heading
# writes its targets before the first of these.
_AFTER_TARGETS = ("to chuc thuc hien", "kinh phi", "trach nhiem", "phan cong", "che do bao cao")
# Sections of tasks, skipped (a count there is work to do, not a target); "Nội dung"
# sections may hold targets and tasks: only measures and qualified values are read there.
_TASK_HEADINGS = ("nhiem vu", "giai phap", "hoat dong")
_CONTENT_HEADINGS = ("noi dung",)
_BEFORE_TARGETS = ("muc dich", "yeu cau", "can cu", "su can thiet", "quan diem", "pham vi", "doi tuong")


def _heading_kind(heading: str) -> str | None:
    folded = fold(heading)
    title = re.sub(r"^(?:[ivx]+|\d+(?:\.\d+)*|[a-z])[.)]?\s+", "", folded)
    if any(cue in folded for cue in _STATUS_HEADINGS) or title.startswith("ket qua"):
        return "status"
    if any(cue in folded for cue in _TARGET_HEADINGS) and not any(cue in folded for cue in _NOT_TARGET_HEADINGS):
        return "target"
    return None


def _heading_year(heading: str) -> int | None:
    found = _YEAR_IN_HEADING.search(heading)
    return int(found.group(1) or found.group(2)) if found else None


def _section_kind(section: Section) -> tuple[str, int | None] | None:
    """("status", None) under a "Hiện trạng" heading, ("target", year) under "Mục tiêu"
    or "Chỉ tiêu"; the innermost heading that says either decides."""
    kind, year = None, None
    for node in reversed(section.ancestors):
        if kind is None:
            kind = _heading_kind(node.heading)
        if year is None:
            year = _heading_year(node.heading)
    if kind is None:
        return None
    return kind, year


def _default_year(plan: Plan) -> int | None:
    years = re.findall(r"20\d\d", plan.info.period)
    return int(years[-1]) if years else None


def _subject_block_sections(plan: Plan) -> list[Section]:
    """A plan with no target or status heading at all (a commune's plan that lists its
    targets under numbered subjects): the sections before its first task heading."""
    found = []
    for section in plan.sections():
        if section.style in ("preamble", "end"):
            continue
        titles = [fold(node.title) for node in section.ancestors]
        if any(cue in title for title in titles for cue in _AFTER_TARGETS):
            break
        if any(cue in title for title in titles for cue in _BEFORE_TARGETS + _TASK_HEADINGS):
            continue
        found.append(section)
    return found


def _in_content_section(section: Section) -> bool:
    return any(cue in fold(node.title) for node in section.ancestors for cue in _CONTENT_HEADINGS)


def classified_sections(plan: Plan) -> list[tuple[Section, str, int | None]]:
    """(section, "target" | "status" | "subject", year of its heading) for every section
    whose lines hold values: under a target or status heading, or ("subject": read as
    targets) the subject blocks of a plan with neither (see _subject_block_sections)."""
    found = []
    for section in plan.sections():
        classified = _section_kind(section)
        if classified is not None:
            found.append((section, *classified))
    if found:
        return found
    return [(section, "subject", _heading_year(section.heading)) for section in _subject_block_sections(plan)]


_STATUS_LINE = re.compile(r"^(?:hien nay|hien tai|den nay|tinh den|hien co|ket qua)\b|\b(?:den nay|hien) da? ?dat\b")
_YEAR_LINE = re.compile(r"^(?:den het|den|trong|nam|muc tieu den)\s+(?:nam\s+)?(20\d\d)\b")


def _line_kind(line: Line, kind: str, year: int | None) -> tuple[str, int | None]:
    """A line of a target section may state today's value ("Hiện nay, ... khoảng 180
    trạm") or name its own year ("Đến năm 2030, ...")."""
    folded = fold(line.text)
    if kind == "target" and _STATUS_LINE.search(folded):
        return "status", None
    if kind == "target" and (found := _YEAR_LINE.match(folded)):
        return kind, int(found.group(1))
    return kind, year


def extract_values(plan: Plan) -> list[ValueRecord]:
    records = []
    default_year = _default_year(plan)
    for section, kind, year in classified_sections(plan):
        loose = kind == "subject" and _in_content_section(section)
        kind = "target" if kind == "subject" else kind
        for line in section.lines:
            line_kind, line_year = _line_kind(line, kind, year)
            line_year = None if line_kind == "status" else (line_year or default_year)
            found = _line_records(plan, section, line, line_kind, line_year)
            # Under "Nội dung", only what is stated as a target: a measure or a qualified value.
            records.extend(r for r in found if not loose or r.unit in _MEASURES or r.qualifier)
    return records


def unclassified_values(plan: Plan) -> list[ValueRecord]:
    """Values with a known indicator written under no target or status heading while the
    plan has such headings elsewhere (kind "unclassified"): a target an operator put
    under another heading. They are not answered from; `index preview` and `index show`
    warn about them."""
    classified = {id(section) for section, _, _ in classified_sections(plan)}
    records = []
    for section in plan.sections():
        if section.style in ("preamble", "end") or id(section) in classified:
            continue
        for line in section.lines:
            if _TABLE_ROW in line.text:
                continue
            records.extend(record for record in _line_records(plan, section, line, "unclassified", None)
                           if record.indicator)
    return records


_MEASURE = re.compile(r"%|\b[MG]b(?:ps|/s|it/s)\b", re.I)


def unread_value_lines(plan: Plan, values: list[ValueRecord]) -> list[tuple[Section, Line]]:
    """Lines of target and status sections that write a percentage or a speed but gave
    no value (an OCR misreading such as "o0%", or wording the extractor cannot read)."""
    read = {(value.anchor, value.line) for value in values}
    return [(section, line) for section, _, _ in classified_sections(plan)
            for line in section.lines
            if _MEASURE.search(line.text) and (section.anchor, line.number) not in read]


_TABLE_ROW = " | "
_UNIT_CELLS = {"%": "%", "mbps": "Mbps", "mb/s": "Mbps", "mbit/s": "Mbps", "gbps": "Gbps"}


def _table_header(section: Section, line: Line) -> list[str]:
    """The header row of the table a row belongs to ("TT | Chỉ tiêu | Đơn vị tính | Năm
    2026 | Năm 2030"): the last row above it in the section whose first cell is no number."""
    header = []
    for other in section.lines:
        if other.number >= line.number:
            break
        if _TABLE_ROW in other.text:
            first = other.text.split("|")[0].strip()
            if not re.fullmatch(r"\d{1,2}|[IVX]{1,5}", first):
                header = [cell.strip() for cell in other.text.split("|")]
    return header


def _table_row_records(plan: Plan, section: Section, line: Line, kind: str, year: int | None):
    """An indicator table row "1 | Tỷ lệ ... | <explanation> | % | 100": the label is the
    first text cell, the unit its unit cell, the value the number after it; with a header
    that gives a year per column ("Năm 2026 | Năm 2030"), one value per year."""
    cells = [cell.strip() for cell in line.text.split("|")]
    header = _table_header(section, line)
    years = {i: int(found.group()) for i, cell in enumerate(header)
             if (found := re.search(r"20\d\d", cell))} if len(header) == len(cells) else {}
    units = [i for i, cell in enumerate(cells) if fold(cell) in _UNIT_CELLS or fold(cell) in ("so", "cai", "tram")]
    if not units:
        return
    unit_at = units[-1]
    values = [i for i in range(unit_at + 1, len(cells)) if re.fullmatch(r"(?:[\w ]+\s)?\d+(?:[.,]\d+)?", cells[i])]
    labels = [cell for cell in cells[:unit_at] if re.search(r"[^\W\d]{3,}", cell)]
    if not values or not labels:
        return
    unit = _UNIT_CELLS.get(fold(cells[unit_at]), cells[unit_at])
    indicator = indicator_for_label(labels[0])
    for column in (values if years else values[:1]):
        raw = cells[column]
        number = re.search(r"\d+(?:[.,]\d+)?$", raw).group()
        qualifier = raw[:-len(number)].strip().lower()
        yield ValueRecord(
            kind=kind, province=plan.info.province, year=years.get(column, year) if kind == "target" else None,
            indicator=indicator.id if indicator else "", label=labels[0], value=_parse_number(number),
            unit=indicator.unit if indicator else unit, qualifier=qualifier, text=line.text,
            section=section.path_text, document=plan.info.document, plan=plan.id, anchor=section.anchor,
            line=line.number, page=line.page, scope=_scope(labels[0]))


# What a value covers when its line narrows it (folded phrase → scope).
_SCOPES = (("khu cong nghe cao", "khu công nghệ cao, khu công nghiệp"),
           ("khu cong nghiep", "khu công nghiệp"), ("cum cong nghiep", "cụm công nghiệp"),
           ("quoc lo", "quốc lộ, cao tốc"), ("cao toc", "quốc lộ, cao tốc"),
           ("cap xa", "cấp xã"), ("thon", "thôn, bản"))


def _scope(text: str) -> str:
    found = re.findall(r"\w+", fold(text))
    words = f" {' '.join(found)} "
    return next((scope for phrase, scope in _SCOPES if f" {phrase} " in words), "")


def _line_records(plan: Plan, section: Section, line: Line, kind: str, year: int | None):
    if _TABLE_ROW in line.text:
        yield from _table_row_records(plan, section, line, kind, year)
        return
    for clause in _clauses(line.text):
        for match, label, indicator in _records_for_clause(clause, line.text):
            unit = _unit(match, indicator)
            yield ValueRecord(
                kind=kind, province=plan.info.province, year=year,
                indicator=indicator.id if indicator else "", label=label.strip(" :.-"),
                value=match.value, unit=unit, qualifier=match.qualifier,
                text=line.text, section=section.path_text, document=plan.info.document,
                plan=plan.id, anchor=section.anchor, line=line.number, page=line.page,
                denominator=None if _per_hundred(match) else match.denominator,
                scope=_scope(label))


def _per_hundred(match: _Match) -> bool:
    return match.denominator == 100


def _unit(match: _Match, indicator: Indicator | None) -> str:
    if indicator:
        return indicator.unit
    return match.unit or match.noun
